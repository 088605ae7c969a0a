/**
 * Packuments from the registry `.npmrc` configures for each name, through the cache.
 *
 * The registry answers a taken-down package in four ways (ENVIRONMENT.md): 404 with an
 * empty body, 200 with no versions, 403 "This package version is not available.", or the
 * security placeholder (a normal packument, judged by the security-holder rule).
 */
import type { NpmConfig } from '../policy/npmrc';
import { scopeOf, withTrailingSlash } from '../policy/npmrc';
import { DEFAULT_REGISTRY, type Settings } from '../model';
import type { PackumentLookup } from './remote-data';
import type { Packument } from './packument';
import { decodeStored, encodePackument, type StoredPackument } from './packument-store';
import type { CacheEntry, DataCache } from './cache';
import type { HttpClient, HttpResponse } from './http';
import { inThreadDecoder, type PackumentDecoder } from './packument-decoder';
import { browsableRepositoryUrl, INSTALL_SCRIPT_NAMES, reducePackument, trimTrailing } from './packument-reduce';
import { hostOf } from './url-host';

// Rules and the hover import hostOf from here, as they always have.
export { hostOf };

/** Hosts of the public npm registry (and its well-known mirrors of the same namespace). */
export const PUBLIC_REGISTRY_HOSTS = ['registry.npmjs.org', 'registry.npmjs.com', 'registry.yarnpkg.com'];

// Rules, tests and the advisory client import these from here, as they always have.
export { INSTALL_SCRIPT_NAMES, browsableRepositoryUrl, reducePackument, trimTrailing };

/**
 * The hosts dependency-confusion treats as where "anyone can publish": npm's, the
 * configured default registry and the override (a company mirror of the public registry
 * resolves unscoped names from the public namespace). Not the test for what may be sent to
 * the public advisory service: that is advisoryRoute's, by host only.
 */
export function publicHosts(npmrc: NpmConfig, override?: string): Set<string> {
  const hosts = new Set(PUBLIC_REGISTRY_HOSTS);
  for (const url of [npmrc.registry, override]) {
    const host = url ? hostOf(url) : undefined;
    if (host) hosts.add(host);
  }
  return hosts;
}

/**
 * The host of a registry URL. A project names a handful of registries and every package of
 * a scan asks for its own (advisoryRoute, privateRegistryOf): the answers are kept, a few
 * dozen at most.
 */
function registryHostOf(url: string): string | undefined {
  if (registryHosts.has(url)) return registryHosts.get(url);
  const host = hostOf(url);
  if (registryHosts.size >= 64) registryHosts.clear();
  registryHosts.set(url, host);
  return host;
}

const registryHosts = new Map<string, string | undefined>();

/** The registry .npmrc maps a scoped name's scope to, if any (own keys only: scopes are untrusted input). */
function mappedScopeRegistry(npmrc: NpmConfig, name: string): string | undefined {
  const scope = scopeOf(name);
  return scope !== undefined && Object.prototype.hasOwnProperty.call(npmrc.scopes, scope) ? npmrc.scopes[scope] : undefined;
}

/**
 * The private registry a scoped name is mapped to in .npmrc, or undefined when the name
 * resolves from a public registry. Such names are never sent to a public service.
 */
export function privateRegistryOf(npmrc: NpmConfig, name: string, override?: string): string | undefined {
  const mapped = mappedScopeRegistry(npmrc, name);
  if (!mapped) return undefined;
  const host = registryHostOf(mapped);
  return host && !publicHosts(npmrc, override).has(host) ? mapped : undefined;
}

/**
 * The registry a name is fetched from: a private scope mapping always wins (the override
 * replaces the public registry, and must not pull private names out to it), then the
 * override, then .npmrc.
 */
export function registryForName(npmrc: NpmConfig, name: string, override?: string): string {
  const priv = privateRegistryOf(npmrc, name, override);
  if (priv) return priv;
  if (override) return withTrailingSlash(override);
  return npmrcRegistryFor(npmrc, name);
}

/** The registry .npmrc alone gives a name (what npm would use): its scope's mapping, else the default registry. */
export function npmrcRegistryFor(npmrc: NpmConfig, name: string): string {
  return mappedScopeRegistry(npmrc, name) ?? (npmrc.registry || DEFAULT_REGISTRY);
}

/**
 * The hosts whose names are the public npm namespace: npm's own, plus the mirrors the user
 * names in settings.publicRegistries (URLs or hosts). Nothing is public by being the
 * configured registry: a company registry is private until the user says otherwise.
 */
export function publicNpmHosts(extra: readonly string[] = []): Set<string> {
  const hosts = new Set(PUBLIC_REGISTRY_HOSTS);
  for (const entry of extra) {
    const trimmed = entry.trim();
    const host = trimmed ? hostOf(trimmed.includes('://') ? trimmed : `https://${trimmed}`) : undefined;
    if (host) hosts.add(host);
  }
  return hosts;
}

/**
 * Whether name@version may be asked of the public advisory service:
 *   'public'            its registry is the public npm registry by host: ask.
 *   'private-scope'     .npmrc maps its scope to a registry that is not: the company's own
 *                       package, which a public database cannot know; not asked, and not
 *                       counted as missing.
 *   'private-registry'  it resolves from a default registry that is not public npm (.npmrc
 *                       `registry=`, --registry, depwarden.registry): not asked, and
 *                       reported as not checked, since it may well be a public package
 *                       served through a private mirror.
 */
export type AdvisoryRoute = 'public' | 'private-scope' | 'private-registry';

export function advisoryRoute(npmrc: NpmConfig, name: string, settings: Pick<Settings, 'registry' | 'publicRegistries'>): AdvisoryRoute {
  const registry = registryForName(npmrc, name, settings.registry);
  const host = registryHostOf(registry);
  // Asked for every package of a scan: npm's own hosts without building publicNpmHosts' Set.
  if (host && (PUBLIC_REGISTRY_HOSTS.includes(host) || (settings.publicRegistries?.length && publicNpmHosts(settings.publicRegistries).has(host)))) return 'public';
  const mapped = mappedScopeRegistry(npmrc, name);
  return mapped !== undefined && withTrailingSlash(mapped) === registry ? 'private-scope' : 'private-registry';
}

/** Scoped names are requested as `@scope%2fname`, as npm does. */
export function packumentUrl(registry: string, name: string): string {
  return withTrailingSlash(registry) + name.replace('/', '%2f');
}

/**
 * The Authorization header npm would send to a URL: the credentials of the longest
 * `//host/path/:` prefix in .npmrc that the URL falls under. A URL on any other host gets
 * none, which is also what keeps a token from following a redirect.
 */
export function authHeaderFor(npmrc: NpmConfig, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const nerfed = `//${parsed.host}${parsed.pathname}`;
  let best: { prefix: string; creds: Record<string, string> } | undefined;
  for (const [key, creds] of Object.entries(npmrc.auth)) {
    const prefix = withTrailingSlash(key.endsWith(':') ? key.slice(0, -1) : key);
    if (!nerfed.startsWith(prefix)) continue;
    if (!best || prefix.length > best.prefix.length) best = { prefix, creds };
  }
  if (!best) return undefined;
  const c = best.creds;
  if (c._authToken) return `Bearer ${c._authToken}`;
  if (c._auth) return `Basic ${c._auth}`;
  if (c.username && c._password) {
    const password = Buffer.from(c._password, 'base64').toString('utf8');
    return `Basic ${Buffer.from(`${c.username}:${password}`).toString('base64')}`;
  }
  return undefined;
}

/**
 * A packument read back from the disk cache (plain JSON again, in the stored form or the
 * older full one) as reducePackument makes it: null-prototype records, so that no lookup
 * by an untrusted key (a spec, a dist-tag) finds Object.prototype's members.
 */
export function revivePackument(stored: unknown): Packument | undefined {
  return decodeStored(stored);
}

/**
 * What the cache keeps per name. In memory the decoded packument; on disk (toJSON, which
 * the cache's JSON.stringify calls) the compact stored form. `absent`: versions a network
 * answer confirmed are not served.
 */
class CachedPackument {
  constructor(
    readonly packument: Packument,
    public absent: string[],
    /** JSON.stringify(encodePackument(packument)) where the decoder made it already; given to the first write only. */
    private storedJson?: string,
  ) {}

  toJSON(): { stored: StoredPackument; absent: string[] } {
    return { stored: encodePackument(this.packument), absent: this.absent };
  }

  /** The cache line's value (cache.ts SelfSerialized): the JSON toJSON gives, the stored form not serialised again when the decoder did. */
  cacheJson(): string {
    const stored = this.storedJson;
    // Written once: the cache keeps entries in memory, and the text is not kept with them.
    this.storedJson = undefined;
    return stored === undefined ? JSON.stringify(this) : `{"stored":${stored},"absent":${JSON.stringify(this.absent)}}`;
  }

  /** A cache value as read from disk: this format ({stored}) or the older one ({packument}). */
  static from(value: unknown): CachedPackument | undefined {
    if (value instanceof CachedPackument) return value;
    const v = value as { stored?: unknown; packument?: unknown; absent?: unknown } | undefined;
    if (!v || typeof v !== 'object' || !Array.isArray(v.absent)) return undefined;
    const packument = decodeStored(v.stored ?? v.packument);
    return packument ? new CachedPackument(packument, v.absent.filter((x): x is string => typeof x === 'string')) : undefined;
  }
}

type GoneHow = 'not-found' | 'empty' | 'forbidden';

export interface RegistryClientOptions {
  npmrc: NpmConfig;
  http: HttpClient;
  cache: DataCache;
  /** settings.registry: replaces the public registry. */
  registryOverride?: string;
  offline: boolean;
  /** Where answers are decoded (default: in this thread). */
  decoder?: PackumentDecoder;
}

export class RegistryClient {
  private inFlight = new Map<string, Promise<PackumentLookup>>();

  constructor(private readonly options: RegistryClientOptions) {}

  registryFor(name: string): string {
    return registryForName(this.options.npmrc, name, this.options.registryOverride);
  }

  /**
   * Looks a name up. `versions` are the versions the caller needs: a fresh cache entry
   * that lacks one of them is revalidated once (the version may be newer than the entry),
   * and the answer is remembered so that a warm scan does not ask again. `onAnswered` is
   * called once the registry has answered (before the answer is decoded), or when the
   * lookup ends without a request.
   */
  lookup(name: string, versions: string[] = [], onAnswered?: () => void): Promise<PackumentLookup> {
    const pending = this.inFlight.get(name);
    if (pending) return pending.finally(onAnswered);
    // Forgotten once settled: the language server's data plane keeps one client for as
    // long as lookups run, and a name asked again meanwhile (Scan Workspace after a
    // failure) must be asked again, not answered with the first answer.
    const promise: Promise<PackumentLookup> = this.lookupUncoalesced(name, versions, onAnswered).finally(() => {
      onAnswered?.();
      if (this.inFlight.get(name) === promise) this.inFlight.delete(name);
    });
    this.inFlight.set(name, promise);
    return promise;
  }

  /**
   * Offline with nothing cached, every lookup can only miss: their answers at once, the
   * ones lookup() would give, without a cache read per name. Undefined when the cache may
   * hold something (then lookup() each).
   */
  async offlineMisses(names: Iterable<string>): Promise<Map<string, PackumentLookup> | undefined> {
    const { cache, offline } = this.options;
    if (!offline || (await cache.mayHold('packument')) || (await cache.mayHold('packument-gone'))) return undefined;
    const out = new Map<string, PackumentLookup>();
    for (const name of names) {
      const registry = this.registryFor(name);
      out.set(name, unusableRegistry(registry) ?? { status: 'error', reason: 'offline', registry });
    }
    return out;
  }

  private async lookupUncoalesced(name: string, versions: string[], onAnswered?: () => void): Promise<PackumentLookup> {
    const { cache, offline } = this.options;
    const registry = this.registryFor(name);
    const unusable = unusableRegistry(registry);
    if (unusable) return unusable;
    const key = packumentUrl(registry, name);
    const stored = await cache.get<unknown>('packument', key);
    // Decoded once per process: the entry keeps the decoded form from then on.
    const value = stored && CachedPackument.from(stored.value);
    if (stored && value) stored.value = value;
    const cached = value ? (stored as CacheEntry<CachedPackument>) : undefined;
    let gone = await cache.get<{ how: GoneHow }>('packument-gone', key);
    // Whichever answer came last is the registry's current word.
    if (gone && cached && cached.storedAt > gone.storedAt) gone = undefined;
    if (offline) {
      if (gone) return { status: 'gone', how: gone.value.how, registry, fromCache: true };
      if (cached) return { status: 'ok', packument: cached.value.packument, registry, fromCache: true };
      return { status: 'error', reason: 'offline', registry };
    }
    if (gone) {
      if (cache.isFresh(gone)) return { status: 'gone', how: gone.value.how, registry, fromCache: true };
    } else if (cached && cache.isFresh(cached)) {
      const value = cached.value;
      const unknown = versions.filter((v) => !value.packument.hasVersion(v) && !value.absent.includes(v));
      if (unknown.length === 0) return { status: 'ok', packument: value.packument, registry, fromCache: true };
    }
    return this.fetchPackument(name, registry, key, versions, gone ? undefined : cached, onAnswered);
  }

  private async fetchPackument(
    name: string,
    registry: string,
    key: string,
    versions: string[],
    cached: CacheEntry<CachedPackument> | undefined,
    onAnswered?: () => void,
  ): Promise<PackumentLookup> {
    const { http, cache } = this.options;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    // The decoder gets ready while the answer is on its way.
    this.options.decoder?.warm();
    // Bytes, not text: decodePackument keeps the little the rules read from documents of many megabytes.
    // The body keeps its share of the byte budget until it is decoded: bodies waiting for
    // the decoder count against the budget as those being read do.
    const result = await http.request({ url: key, headers, binary: true, holdBudget: true });
    onAnswered?.();
    if (!result.ok) return { status: 'error', reason: result.reason, registry };
    const res = result.response;
    try {
      return await this.answered(name, registry, key, versions, cached, res);
    } finally {
      res.release?.();
    }
  }

  private async answered(
    name: string,
    registry: string,
    key: string,
    versions: string[],
    cached: CacheEntry<CachedPackument> | undefined,
    res: HttpResponse,
  ): Promise<PackumentLookup> {
    const { cache } = this.options;
    const validators = { etag: res.headers.etag, lastModified: res.headers['last-modified'] };
    if (res.status === 304 && cached) {
      const absent = new Set(cached.value.absent);
      for (const v of versions) if (!cached.value.packument.hasVersion(v)) absent.add(v);
      cached.value.absent = [...absent];
      await cache.touch(cached, validators);
      return { status: 'ok', packument: cached.value.packument, registry, fromCache: false };
    }
    const how = takedownOf(res.status, res.status === 200 ? '' : (res.bytes ?? Buffer.alloc(0)).toString('utf8', 0, 4096));
    if (how) {
      await cache.put('packument-gone', key, { how });
      return { status: 'gone', how, registry, fromCache: false };
    }
    if (res.status === 401) return { status: 'error', reason: 'HTTP 401 (authentication required)', registry };
    if (res.status !== 200) return { status: 'error', reason: `HTTP ${res.status}`, registry };
    let decoded: Awaited<ReturnType<PackumentDecoder['decode']>>;
    try {
      decoded = await (this.options.decoder ?? inThreadDecoder).decode(res.bytes ?? Buffer.from(res.body), name);
    } catch (e) {
      return { status: 'error', reason: (e as Error).message, registry };
    } finally {
      // Decoded: the bytes are done with, before the cache write (fetchPackument releases on the other paths).
      res.release?.();
    }
    if (!decoded) return { status: 'error', reason: 'malformed response', registry };
    const { packument } = decoded;
    if (packument.versionCount === 0) {
      await cache.put('packument-gone', key, { how: 'empty' as GoneHow });
      return { status: 'gone', how: 'empty', registry, fromCache: false };
    }
    const absent = versions.filter((v) => !packument.hasVersion(v));
    await cache.put('packument', key, new CachedPackument(packument, absent, decoded.storedJson), validators);
    return { status: 'ok', packument, registry, fromCache: false };
  }
}

/**
 * A registry URL no lookup can use. A project .npmrc's `registry=${VAR}` is not expanded
 * (npmrc.ts): say so once rather than retry a URL that cannot be fetched.
 */
function unusableRegistry(registry: string): PackumentLookup | undefined {
  if (/^https?:\/\//i.test(registry) && hostOf(registry)) return undefined;
  return { status: 'error', reason: 'the configured registry is not an http(s) URL (a project .npmrc gets no ${VAR} expansion)', registry };
}

function takedownOf(status: number, body: string): GoneHow | undefined {
  if (status === 404) return 'not-found';
  if (status === 403 && /not available/i.test(body)) return 'forbidden';
  return undefined;
}
