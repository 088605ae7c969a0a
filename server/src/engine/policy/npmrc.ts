/**
 * A small reader for npm's ini-style config (.npmrc). npm's own loader (@npmcli/config)
 * pulls in the whole npm config stack; we only need registries, auth and a few policy
 * keys, so this reads those keys the way npm does: `key=value` lines, `;`/`#` comments,
 * `${ENV}` expansion, quoted values, and the last assignment wins.
 */
import { DEFAULT_REGISTRY } from '../model';

export interface NpmConfig {
  /** Default registry (with trailing slash). */
  registry: string;
  /** `@scope` -> registry URL (trailing slash). */
  scopes: Record<string, string>;
  /** Auth keyed by "//host/path/:" prefix as written: `_authToken`, `_auth`, ... */
  auth: Record<string, Record<string, string>>;
  /** Every raw key=value (after env expansion), for policy keys such as ignore-scripts. */
  raw: Record<string, string>;
}

export function emptyNpmConfig(): NpmConfig {
  return { registry: DEFAULT_REGISTRY, scopes: {}, auth: {}, raw: {} };
}

export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}

/** Parses .npmrc texts in order of increasing precedence (global, user, project). */
export function parseNpmrc(texts: string[], env: Record<string, string | undefined> = {}): NpmConfig {
  const config = emptyNpmConfig();
  for (const text of texts) {
    for (const rawLine of text.split(/\r?\n/)) {
      const line = rawLine.trim();
      if (!line || line.startsWith(';') || line.startsWith('#') || line.startsWith('[')) continue;
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = expandEnv(line.slice(0, eq).trim(), env);
      let value = line.slice(eq + 1).trim();
      if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
        value = value.slice(1, -1);
      }
      value = expandEnv(value, env);
      config.raw[key] = value;
      if (key === 'registry') config.registry = withTrailingSlash(value);
      else if (/^@[^:]+:registry$/.test(key)) config.scopes[key.slice(0, key.indexOf(':'))] = withTrailingSlash(value);
      else if (key.startsWith('//')) {
        const colon = key.lastIndexOf(':');
        const prefix = key.slice(0, colon + 1);
        (config.auth[prefix] ??= {})[key.slice(colon + 1)] = value;
      }
    }
  }
  return config;
}

/** npm expands `${VAR}` (and `${VAR?}`, which is empty when unset) in keys and values. */
function expandEnv(s: string, env: Record<string, string | undefined>): string {
  return s.replace(/(\\*)\$\{([^}?]+)(\?)?\}/g, (whole, slashes: string, name: string, optional: string) => {
    if (slashes.length % 2 === 1) return whole.slice(1);
    const v = env[name];
    if (v === undefined) return optional ? slashes : whole;
    return slashes + v;
  });
}

/** The registry npm would use for a package name. */
export function registryFor(config: NpmConfig, name: string): string {
  if (name.startsWith('@')) {
    const scope = name.slice(0, name.indexOf('/'));
    const mapped = config.scopes[scope];
    if (mapped) return mapped;
  }
  return config.registry;
}
