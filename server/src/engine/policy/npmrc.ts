/**
 * A small reader for npm's ini-style config (.npmrc). npm's own loader (@npmcli/config)
 * pulls in the whole npm config stack; we only need registries, auth and a few policy
 * keys, so this reads those keys the way npm does: `key=value` lines, `;`/`#` comments,
 * `${ENV}` expansion, quoted values, and the last assignment wins.
 *
 * Two kinds of layers. The user's and the machine's own files (global, user) are trusted:
 * they may hold credentials, expand environment variables and set the network (proxy,
 * certificates). The project's `.npmrc` comes with the repository being scanned, which
 * may be the attacker's: it may name registries (default and per scope) and set policy
 * keys (ignore-scripts, min-release-age, ...), but it cannot expand `${VAR}` (that would
 * hand CI secrets to a registry it names), supply credentials, or touch the network
 * settings. What it asked for and did not get is kept in `ignored`, so that a rule can
 * say so.
 */
import { DEFAULT_REGISTRY, type Finding, type Span } from '../model';

export interface NpmConfig {
  /** Default registry (with trailing slash). */
  registry: string;
  /** `@scope` -> registry URL (trailing slash). Null-prototype: indexed by untrusted scopes. */
  scopes: Record<string, string>;
  /** Auth keyed by "//host/path/:" prefix as written: `_authToken`, `_auth`, ... Only from user/global config. */
  auth: Record<string, Record<string, string>>;
  /**
   * Every raw key=value (after env expansion in trusted layers), for policy keys such as
   * ignore-scripts. Network keys (proxy, strict-ssl, ca, ...) only from user/global config.
   */
  raw: Record<string, string>;
  /** Settings of the project's .npmrc that were not applied (only the user's own config may set them). */
  ignored: IgnoredNpmrcSetting[];
}

export interface IgnoredNpmrcSetting {
  key: string;
  value: string;
  /** The whole `key=value` line (trimmed) in the project's .npmrc. */
  span: Span;
}

/**
 * Keys that steer where requests go, which certificates are trusted, or who we are:
 * taken from user/global config and the environment only. Keys starting with `//`
 * (per-registry credentials and client certificates) are in the same class.
 */
const NETWORK_KEYS = new Set([
  '_auth',
  '_authToken',
  '_password',
  'username',
  'email',
  'always-auth',
  'certfile',
  'keyfile',
  'cert',
  'key',
  'ca',
  'ca[]',
  'cafile',
  'strict-ssl',
  'proxy',
  'https-proxy',
  'http-proxy',
  'noproxy',
  'no-proxy',
  'local-address',
]);

export function isNetworkKey(key: string): boolean {
  return key.startsWith('//') || NETWORK_KEYS.has(key);
}

export function emptyNpmConfig(): NpmConfig {
  return { registry: DEFAULT_REGISTRY, scopes: Object.create(null), auth: Object.create(null), raw: Object.create(null), ignored: [] };
}

export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}

type Env = Record<string, string | undefined>;

/**
 * Parses trusted .npmrc texts (global, then user) in order of increasing precedence, then
 * the project's own .npmrc (untrusted, see the file comment) when given.
 */
export function parseNpmrc(texts: string[], env: Env = {}, projectText?: string): NpmConfig {
  const config = emptyNpmConfig();
  for (const text of texts) applyText(config, text, env);
  if (projectText !== undefined) applyText(config, projectText, undefined);
  return config;
}

/** One layer; `env` undefined: the project's own file (no expansion, no network keys). */
function applyText(config: NpmConfig, text: string, env: Env | undefined): void {
  for (const { line, start } of lines(text)) {
    if (!line || line.startsWith(';') || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const rawKey = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
      value = value.slice(1, -1);
    }
    const key = env ? expandEnv(rawKey, env) : rawKey;
    if (!env && isNetworkKey(key)) {
      config.ignored.push({ key, value, span: { start, end: start + line.length } });
      continue;
    }
    if (env) value = expandEnv(value, env);
    config.raw[key] = value;
    if (key === 'registry') config.registry = withTrailingSlash(value);
    else if (isScopeRegistryKey(key)) config.scopes[key.slice(0, key.indexOf(':'))] = withTrailingSlash(value);
    else if (key.startsWith('//')) {
      const colon = key.lastIndexOf(':');
      const prefix = key.slice(0, colon + 1);
      (config.auth[prefix] ??= Object.create(null) as Record<string, string>)[key.slice(colon + 1)] = value;
    }
  }
}

/** Lines with the offset where their trimmed text starts (for spans on the project's file). */
function lines(text: string): { line: string; start: number }[] {
  const out: { line: string; start: number }[] = [];
  let from = 0;
  while (from <= text.length) {
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    const raw = text.slice(from, end);
    const leading = raw.length - raw.trimStart().length;
    out.push({ line: raw.trim(), start: from + leading });
    from = end + 1;
  }
  return out;
}

/** `@scope:registry` (linear: no regex over the untrusted key). */
function isScopeRegistryKey(key: string): boolean {
  const colon = key.indexOf(':');
  return key.startsWith('@') && colon > 1 && key.slice(colon) === ':registry';
}

/**
 * npm expands `${VAR}` (and `${VAR?}`, which is empty when unset) in keys and values; a
 * backslash before `$` keeps it literal (an odd run of backslashes escapes, as npm reads
 * it). One pass over the text: the regex this replaces went quadratic on long runs of
 * backslashes.
 */
export function expandEnv(s: string, env: Env): string {
  if (!s.includes('${')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const dollar = s.indexOf('${', i);
    if (dollar < 0) break;
    const close = s.indexOf('}', dollar + 2);
    if (close < 0) break;
    // The run of backslashes just before `$`, counted backwards (each one visited once
    // over the whole string, since runs end at the previous `${` at the latest).
    let slashes = 0;
    while (dollar - slashes - 1 >= i && s[dollar - slashes - 1] === '\\') slashes++;
    let name = s.slice(dollar + 2, close);
    const optional = name.endsWith('?');
    if (optional) name = name.slice(0, -1);
    const before = s.slice(i, dollar - slashes);
    const escapes = s.slice(dollar - slashes, dollar);
    if (name === '' || name.includes('?')) {
      // Not a variable reference: keep the text, and look for the next one after `${`.
      out += before + escapes + '${';
      i = dollar + 2;
      continue;
    }
    if (slashes % 2 === 1) {
      // Escaped: drop one backslash, keep `${NAME}` literally.
      out += before + escapes.slice(1) + s.slice(dollar, close + 1);
    } else {
      const v = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
      if (v === undefined) out += before + (optional ? escapes : escapes + s.slice(dollar, close + 1));
      else out += before + escapes + v;
    }
    i = close + 1;
  }
  return out + s.slice(i);
}

/** `@scope` of a scoped name, or undefined. */
export function scopeOf(name: string): string | undefined {
  const slash = name.indexOf('/');
  return name.startsWith('@') && slash > 1 ? name.slice(0, slash) : undefined;
}

/** The project's .npmrc, as the rules name it (only the root one is read as npm config). */
export const PROJECT_NPMRC = '.npmrc';

/**
 * What the project's .npmrc asked of the network that we did not do, as findings (the
 * insecure-url rule reports them): turning certificate checks off, trusting a CA of its
 * own, routing traffic through a proxy. These settings are also what `npm install` in
 * this repository would obey, so they are worth a look whatever depwarden does with them.
 * Credentials in a project .npmrc (`//host/:_authToken=${NPM_TOKEN}`, the usual CI setup)
 * are ignored without a finding: they are normal, just not ours to send.
 */
export function ignoredNetworkFindings(config: NpmConfig): Finding[] {
  const findings: Finding[] = [];
  const ours = 'depwarden takes network settings only from your user or global .npmrc and the environment, so it ignored this one.';
  for (const s of config.ignored) {
    let severity: Finding['severity'];
    let message: string;
    let shown = shorten(s.value);
    if (s.key === 'strict-ssl' && s.value.toLowerCase() === 'false') {
      severity = 'error';
      message = `This .npmrc turns off TLS certificate checks (strict-ssl=false): npm would accept any certificate for the registry, so anyone on the network path could serve other packages. ${ours}`;
    } else if ((s.key === 'proxy' || s.key === 'https-proxy' || s.key === 'http-proxy') && s.value !== '' && s.value !== 'false' && s.value !== 'null') {
      severity = 'warning';
      shown = describeUrlHost(s.value);
      message = `This .npmrc sends npm's registry traffic through a proxy (${s.key}=${shown}): the proxy sees every package installed, and reads plain-http traffic. ${ours}`;
    } else if (s.key === 'ca' || s.key === 'ca[]' || s.key === 'cafile') {
      severity = 'warning';
      message = `This .npmrc makes npm trust a certificate authority of its own (${s.key}): whoever holds that authority's key can pose as the registry. ${ours}`;
    } else continue;
    findings.push({ rule: 'insecure-url', severity, message, file: PROJECT_NPMRC, span: s.span, version: null, fixes: [], evidence: [`${s.key}=${shown}`] });
  }
  return findings;
}

function shorten(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}

/** A proxy URL as `scheme://host` (no credentials, no path). */
function describeUrlHost(value: string): string {
  try {
    const u = new URL(value.includes('://') ? value : `http://${value}`);
    return `${u.protocol}//${u.host}`;
  } catch {
    return shorten(value);
  }
}
