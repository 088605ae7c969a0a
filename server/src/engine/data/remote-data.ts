/**
 * Registry and advisory data the remote rules read, filled by `fetchRemoteData`
 * (fetch-remote.ts). Plain data: rules stay synchronous and never touch the network.
 */

import type { AuditResult } from '../audit/model';
import type { Packument } from './packument';

/** What the rules need of one published version (a reduced registry version document). */
export interface VersionInfo {
  version: string;
  /** Only the lifecycle scripts that run on install (preinstall, install, postinstall, prepare). */
  scripts?: Record<string, string>;
  hasRepository: boolean;
  /** `dependencies` and `optionalDependencies`, as published. */
  dependencies?: Record<string, string>;
  /** The `peerDependencies` whose spec names a source outside the registry (a URL, git); registry ranges are left out. */
  nonRegistryPeerDependencies?: Record<string, string>;
  hasBin: boolean;
  /** The deprecation message, when the version is deprecated. */
  deprecated?: string;
  /** `_npmUser.name`: who published it (the real registry only). */
  publisher?: string;
  /** `dist.attestations` present: published with provenance (the real registry only). */
  hasProvenance: boolean;
  /**
   * `dist.integrity` names a sha256, sha384 or sha512 hash (all lockfile-integrity asks of
   * it: whether a lockfile's SHA-1 is one the registry has since replaced). The hash itself
   * is not kept: a fifth of the cached bytes, read by no rule.
   */
  strongIntegrity?: boolean;
  /** `repository` as a browsable https URL (git+, git://, ssh and host shorthands normalised); what the package claims, unverified. */
  repositoryUrl?: string;
  /** `gitHead`: the commit the version was published from, when the publishing tool recorded it. */
  gitHead?: string;
}

/**
 * A reduced packument: every field a rule or a hover reads, nothing more (big packuments
 * are tens of MB; this is about 1% of that), its versions in columns (packument.ts). Kept
 * in the cache in the compact form of packument-store.ts. A field added to VersionInfo
 * must be added to reducePackument, to packument-reader.ts (the fields read), to the
 * columns of packument.ts and to the stored form.
 */
export type { Packument };

/** Why registry or advisory data is missing: 'offline', 'timeout', 'HTTP 500', ... */
export type MissingReason = string;

/** The outcome of looking one name up on its registry. */
export type PackumentLookup =
  | { status: 'ok'; packument: Packument; registry: string; fromCache: boolean }
  /** The registry does not serve the package (404, 200 with no versions, 403 takedown). */
  | { status: 'gone'; how: 'not-found' | 'empty' | 'forbidden'; registry: string; fromCache: boolean }
  | { status: 'error'; reason: MissingReason; registry: string };

export type AdvisorySeverity = 'critical' | 'high' | 'moderate' | 'low' | 'unknown';

export interface Advisory {
  id: string;
  aliases: string[];
  summary: string;
  /** OSV `MAL-` records (and advisories that say so) are malware, not vulnerabilities. */
  malware: boolean;
  severity: AdvisorySeverity;
  /** The lowest fixed version above the affected one, when the record names one. */
  fixed?: string;
  url?: string;
}

export type AdvisoryLookup = { status: 'ok'; advisories: Advisory[] } | { status: 'error'; reason: MissingReason };

/** A list of indicators of compromise: name -> versions ('*' = every version). */
export type IocList = Map<string, Set<string>>;

/** One downloaded malware list (settings.malwareFeeds), or why it could not be had. */
export type MalwareFeedData =
  | { url: string; status: 'ok'; iocs: IocList; fromCache: boolean }
  | { url: string; status: 'error'; reason: MissingReason };

export interface RemoteData {
  /** Registry lookups by real package name. A name absent here was never looked up. */
  packuments: Map<string, PackumentLookup>;
  /** Advisory lookups by `name@version`. Absent: not looked up (advisories off, private name, not asked yet). */
  advisories: Map<string, AdvisoryLookup>;
  /** False when advisory lookups are off (settings.advisories === null): then nothing is missing from them. */
  advisoriesEnabled: boolean;
  /** User-supplied indicators of compromise (--ioc, the editor command). */
  iocs: IocList;
  /** The malware feeds of settings.malwareFeeds, in order (absent: none configured). */
  malwareFeeds?: MalwareFeedData[];
  /** The data was gathered without network (cache only). */
  offline: boolean;
  /** Network requests made while gathering (for progress and the benchmark). */
  requests: number;
  /** Package audits (tarballs read) by `name@version`: `depwarden scan --audit`, the editor's "Audit this version". */
  audits?: Map<string, AuditResult>;
  /**
   * Lookups queued or in flight: the language server scans and publishes before they land
   * (data-plane.ts). Not yet known, so neither findings nor "missing" until they land.
   */
  pending?: { names: { has(name: string): boolean }; advisories: { has(key: string): boolean } };
}

export function emptyRemoteData(): RemoteData {
  return { packuments: new Map(), advisories: new Map(), advisoriesEnabled: false, iocs: new Map(), offline: false, requests: 0 };
}

export function advisoryKey(name: string, version: string): string {
  return `${name}@${version}`;
}

/**
 * True when `b` holds exactly what `a` held: the same lookups with the same answers (cache
 * hits return the same packument objects). A scan with `b` would then find what a scan
 * with `a` found, so the language server can skip re-scanning after a lookup that brought
 * nothing new. Strict: anything it cannot prove equal counts as changed.
 */
export function sameRemoteData(a: RemoteData | undefined, b: RemoteData): boolean {
  if (!a || a.offline !== b.offline || a.advisoriesEnabled !== b.advisoriesEnabled || a.iocs !== b.iocs) return false;
  if (a.packuments.size !== b.packuments.size || a.advisories.size !== b.advisories.size) return false;
  for (const [name, x] of a.packuments) {
    const y = b.packuments.get(name);
    if (!y || x.status !== y.status || x.registry !== y.registry) return false;
    if (x.status === 'ok' && x.packument !== (y as typeof x).packument) return false;
    if (x.status === 'gone' && x.how !== (y as typeof x).how) return false;
    if (x.status === 'error' && x.reason !== (y as typeof x).reason) return false;
  }
  for (const [key, x] of a.advisories) {
    const y = b.advisories.get(key);
    if (!y || x.status !== y.status) return false;
    if (x.status === 'error' && x.reason !== (y as typeof x).reason) return false;
    if (x.status === 'ok' && JSON.stringify(x.advisories) !== JSON.stringify((y as typeof x).advisories)) return false;
  }
  const fa = a.malwareFeeds ?? [];
  const fb = b.malwareFeeds ?? [];
  if (fa.length !== fb.length) return false;
  return fa.every((x, i) => {
    const y = fb[i];
    if (x.url !== y.url || x.status !== y.status) return false;
    return x.status === 'ok' ? x.iocs === (y as typeof x).iocs : x.reason === (y as typeof x).reason;
  });
}
