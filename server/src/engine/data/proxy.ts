/**
 * Which proxy (if any) a registry, advisory or feed request goes through.
 *
 * Sources, first one that names a proxy wins:
 *   1. settings.proxy: the editor's `http.proxy` (and `http.proxyStrictSSL`, `http.noProxy`);
 *   2. the user's and global `.npmrc` (never the project's: a repository must not route
 *      our requests through its proxy nor turn certificate checks off, see npmrc.ts):
 *      `https-proxy` (https targets), `proxy` (http targets, and https ones when there is
 *      no `https-proxy`), `noproxy`, `strict-ssl`, as npm reads them;
 *   3. the environment: `HTTPS_PROXY` / `HTTP_PROXY` per target scheme, `NO_PROXY`
 *      (upper or lower case), as curl and npm read them.
 * `NO_PROXY`-style lists: `*` (no proxy at all), `host`, `.domain` / `*.domain` (the
 * domain and its subdomains), optionally with `:port`. CIDR ranges are not understood.
 */
import type { Settings } from '../model';
import type { NpmConfig } from '../policy/npmrc';

/** The resolved routes: a proxy URL per target scheme (absent: direct). */
export interface ProxyRoutes {
  https?: string;
  http?: string;
  /** Verify TLS certificates (the proxy's, and the target's through the tunnel). */
  strictSSL: boolean;
  noProxy: string[];
}

type Env = Record<string, string | undefined>;

export function resolveProxyRoutes(explicit: Settings['proxy'], npmrc: NpmConfig | undefined, env: Env = {}): ProxyRoutes | undefined {
  if (explicit && usable(explicit.url)) {
    return {
      https: explicit.url.trim(),
      http: explicit.url.trim(),
      strictSSL: explicit.strictSSL,
      noProxy: explicit.noProxy ?? splitList(envValue(env, 'NO_PROXY')),
    };
  }
  const raw = npmrc?.raw ?? {};
  const noProxy = splitList(raw.noproxy ?? raw['no-proxy'] ?? envValue(env, 'NO_PROXY'));
  const strictSSL = raw['strict-ssl'] !== 'false';
  const npmHttps = usable(raw['https-proxy']) ? raw['https-proxy'] : usable(raw.proxy) ? raw.proxy : undefined;
  const npmHttp = usable(raw.proxy) ? raw.proxy : undefined;
  if (npmHttps || npmHttp) return { https: npmHttps, http: npmHttp, strictSSL, noProxy };
  const envHttps = envValue(env, 'HTTPS_PROXY');
  const envHttp = envValue(env, 'HTTP_PROXY');
  if (!usable(envHttps) && !usable(envHttp)) return undefined;
  return { https: usable(envHttps) ? envHttps : undefined, http: usable(envHttp) ? envHttp : undefined, strictSSL, noProxy };
}

/** The proxy URL a request to `url` goes through, or undefined for a direct connection. */
export function proxyForUrl(routes: ProxyRoutes | undefined, url: string): string | undefined {
  if (!routes) return undefined;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const proxy = target.protocol === 'https:' ? routes.https : target.protocol === 'http:' ? routes.http : undefined;
  if (!proxy || bypassesProxy(target, routes.noProxy)) return undefined;
  return withScheme(proxy);
}

export function bypassesProxy(target: URL, noProxy: string[]): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const rawEntry of noProxy) {
    let entry = rawEntry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const portMatch = /^(.*[^:]):(\d+)$/.exec(entry);
    // `host:port`, but not a bare IPv6 address (several colons, no brackets).
    if (portMatch && (!portMatch[1].includes(':') || portMatch[1].startsWith('['))) {
      entry = portMatch[1];
      entryPort = portMatch[2];
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (entryPort && entryPort !== port) continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** For messages: the proxy without its credentials. */
export function describeProxy(proxyUrl: string): string {
  try {
    const u = new URL(proxyUrl);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'the proxy';
  }
}

function envValue(env: Env, name: string): string | undefined {
  return env[name] ?? env[name.toLowerCase()];
}

/** npm writes "no proxy" as an empty value, `false` or `null`. */
function usable(url: string | undefined): url is string {
  return typeof url === 'string' && url.trim() !== '' && url !== 'false' && url !== 'null';
}

/** `HTTP_PROXY=proxy.corp:3128` (no scheme) is common; curl and npm take it as http://. */
function withScheme(url: string): string {
  const trimmed = url.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
