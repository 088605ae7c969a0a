/**
 * How a reduced packument is kept: compact on disk, shared in memory (issue #15 item 2).
 *
 * Sentry's and theia's packuments, reduced (registry-client.ts reducePackument), were 167 MB
 * of cache; the disk store is read whole into memory and the parsed packuments stay there,
 * so that is what the language server held. Most of it repeated itself: consecutive
 * versions mostly have the same dependencies and the same repository, and booleans were
 * spelled out for every version. The stored form writes each distinct dependency record
 * and repository URL once per package and versions point at them by index (167 -> 59 MB on
 * the corpus); decoding shares one object per distinct record between the versions, so
 * memory holds each once too.
 *
 * Everything here was read from the registry or from the cache folder: untrusted. Records
 * indexed by its keys have null prototypes; indexes out of range are ignored.
 */
import type { VersionInfo } from './remote-data';
import { PackumentBuilder, type Packument, type VersionFields } from './packument';

/** An SRI string naming a hash stronger than SHA-1. */
export function isStrongIntegrity(integrity: unknown): boolean {
  return typeof integrity === 'string' && /(^|\s)sha(256|384|512)-/i.test(integrity);
}

/** Format of StoredPackument; a value without it is the older full form (decodeStored handles both). */
const STORED_FORMAT = 2;

/** One version in the stored form: keys are short because they repeat for every version. */
interface StoredVersion {
  /** Install scripts. */
  s?: Record<string, string>;
  /** hasRepository, hasBin, hasProvenance, strongIntegrity: present (1) when true. */
  r?: 1;
  b?: 1;
  p?: 1;
  i?: 1;
  /** deprecated, publisher, gitHead. */
  d?: string;
  u?: string;
  g?: string;
  /** Indexes into StoredPackument.records: dependencies, nonRegistryPeerDependencies. */
  D?: number;
  P?: number;
  /** Index into StoredPackument.urls: repositoryUrl. */
  R?: number;
}

export interface StoredPackument {
  format: typeof STORED_FORMAT;
  name: string;
  distTags: Record<string, string>;
  time: Record<string, string>;
  unpublished?: Packument['unpublished'];
  maintainers?: string[];
  /** Distinct dependency records of the package's versions. */
  records: Record<string, string>[];
  /** Distinct repository URLs of the package's versions. */
  urls: string[];
  versions: Record<string, StoredVersion>;
}

export function encodePackument(p: Packument): StoredPackument {
  const records: Record<string, string>[] = [];
  const recordIndex = new Map<string, number>();
  const urls: string[] = [];
  const urlIndex = new Map<string, number>();
  // Versions share their records by identity (packument.ts): each distinct object is
  // serialised once here, not once per version (a third of encoding a large packument).
  const byIdentity = new Map<Record<string, string>, number>();
  const recordOf = (r: Record<string, string>): number => {
    let i = byIdentity.get(r);
    if (i !== undefined) return i;
    const key = JSON.stringify(r);
    i = recordIndex.get(key);
    if (i === undefined) {
      i = records.push(r) - 1;
      recordIndex.set(key, i);
    }
    byIdentity.set(r, i);
    return i;
  };
  // Null prototype: a version named "__proto__" stays a key (on a plain object the
  // assignment below would set the prototype and the version would be lost).
  const versions: Record<string, StoredVersion> = Object.create(null);
  const time: Record<string, string> = Object.create(null);
  const names = p.versionNames;
  for (let at = 0; at < names.length; at++) {
    const v = p.versionAt(at);
    const s: StoredVersion = {};
    if (v.scripts) s.s = v.scripts;
    if (v.hasRepository) s.r = 1;
    if (v.hasBin) s.b = 1;
    if (v.hasProvenance) s.p = 1;
    if (v.strongIntegrity) s.i = 1;
    if (v.deprecated !== undefined) s.d = v.deprecated;
    if (v.publisher !== undefined) s.u = v.publisher;
    if (v.gitHead !== undefined) s.g = v.gitHead;
    if (v.dependencies) s.D = recordOf(v.dependencies);
    if (v.nonRegistryPeerDependencies) s.P = recordOf(v.nonRegistryPeerDependencies);
    if (v.repositoryUrl !== undefined) {
      let i = urlIndex.get(v.repositoryUrl);
      if (i === undefined) {
        i = urls.push(v.repositoryUrl) - 1;
        urlIndex.set(v.repositoryUrl, i);
      }
      s.R = i;
    }
    versions[names[at]] = s;
  }
  // `time` in timeKeys() order: the served versions that have one, then the others.
  for (let at = 0; at < names.length; at++) {
    const t = p.timeAt(at);
    if (t !== undefined) time[names[at]] = t;
  }
  for (const key of p.otherTimeKeys()) time[key] = p.time(key)!;
  const stored: StoredPackument = { format: STORED_FORMAT, name: p.name, distTags: p.distTags, time, records, urls, versions };
  if (p.unpublished) stored.unpublished = p.unpublished;
  if (p.maintainers) stored.maintainers = p.maintainers;
  return stored;
}

/**
 * A packument from its stored form, or from the older full form (entries written before
 * this format: their integrity and tarball fields, which no rule reads, are dropped).
 * undefined for anything else.
 */
export function decodeStored(x: unknown): Packument | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const s = x as Partial<StoredPackument> & { versions?: unknown };
  if (!s.versions || typeof s.versions !== 'object') return undefined;
  if (s.format !== STORED_FORMAT) return reviveFullForm(s as { versions: object });
  const records = (Array.isArray(s.records) ? s.records : []).map((r) => adoptRecord(r));
  const urls = Array.isArray(s.urls) ? s.urls : [];
  const intern = interner();
  const builder = new PackumentBuilder(typeof s.name === 'string' ? s.name : '', adoptRecord(s.distTags));
  for (const [version, raw] of Object.entries(s.versions as Record<string, StoredVersion>)) {
    if (!raw || typeof raw !== 'object') continue;
    const info: VersionFields = { hasRepository: raw.r === 1, hasBin: raw.b === 1, hasProvenance: raw.p === 1 };
    if (raw.i === 1) info.strongIntegrity = true;
    if (raw.s) info.scripts = adoptRecord(raw.s);
    if (typeof raw.d === 'string') info.deprecated = intern(raw.d);
    if (typeof raw.u === 'string') info.publisher = intern(raw.u);
    if (typeof raw.g === 'string') info.gitHead = raw.g;
    const dependencies = recordAt(records, raw.D);
    if (dependencies) info.dependencies = dependencies;
    const peers = recordAt(records, raw.P);
    if (peers) info.nonRegistryPeerDependencies = peers;
    const url = typeof raw.R === 'number' ? urls[raw.R] : undefined;
    if (typeof url === 'string') info.repositoryUrl = url;
    builder.version(version, info);
  }
  addTimes(builder, s.time);
  return builder.build(extras(s));
}

function addTimes(builder: PackumentBuilder, time: unknown): void {
  if (!time || typeof time !== 'object' || Array.isArray(time)) return;
  for (const [k, v] of Object.entries(time)) if (typeof v === 'string') builder.time(k, v);
}

/** `unpublished` and `maintainers` of a stored or full form, checked. */
function extras(s: { unpublished?: unknown; maintainers?: unknown }): { unpublished?: Packument['unpublished']; maintainers?: string[] } {
  const out: { unpublished?: Packument['unpublished']; maintainers?: string[] } = {};
  const u = s.unpublished as { time?: unknown; versions?: unknown } | undefined;
  if (u && typeof u === 'object') out.unpublished = { time: typeof u.time === 'string' ? u.time : undefined, versions: stringList(u.versions) };
  if (Array.isArray(s.maintainers)) out.maintainers = stringList(s.maintainers);
  return out;
}

/** The full form as reducePackument made it before the stored form (no integrity hash or tarball kept). */
function reviveFullForm(p: { name?: unknown; distTags?: unknown; versions: object; time?: unknown; unpublished?: unknown; maintainers?: unknown }): Packument {
  const builder = new PackumentBuilder(typeof p.name === 'string' ? p.name : '', compactRecord(p.distTags));
  for (const [k, v] of Object.entries(p.versions)) {
    if (!v || typeof v !== 'object') continue;
    const { integrity, tarball: _tarball, version: _version, ...kept } = v as VersionInfo & { integrity?: unknown; tarball?: unknown };
    const info: VersionFields = { ...kept };
    if (isStrongIntegrity(integrity)) info.strongIntegrity = true;
    if (kept.scripts) info.scripts = compactRecord(kept.scripts);
    if (kept.dependencies) info.dependencies = compactRecord(kept.dependencies);
    if (kept.nonRegistryPeerDependencies) info.nonRegistryPeerDependencies = compactRecord(kept.nonRegistryPeerDependencies);
    builder.version(k, info);
  }
  addTimes(builder, p.time);
  return builder.build(extras(p));
}

/**
 * One string object per distinct value: a package's versions repeat their publisher and,
 * when a whole line is deprecated, the message, and each parsed copy is its own string.
 */
export function interner(): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    const known = seen.get(s);
    if (known !== undefined) return known;
    seen.set(s, s);
    return s;
  };
}

function recordAt(records: Record<string, string>[], i: unknown): Record<string, string> | undefined {
  return typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < records.length ? records[i] : undefined;
}

function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * The string-valued own entries of `x` in a null-prototype record, in the compact form
 * (for the many small records a packument has: dependencies, scripts, dist-tags).
 *
 * A null-prototype object from Object.create(null), filled key by key, is a hash table in
 * V8 ("dictionary mode"): about 500 bytes for a record of ten dependencies. An object built
 * by JSON.parse keeps its keys in a hidden class shared with every record of the same keys
 * and its values in a flat array, about a quarter of that, and stays so when its prototype
 * is then set to null. With sentry and theia open the dependency records alone were 46 MB
 * of the language server's 193 MB heap as dictionaries. Large records (over a thousand
 * keys) become dictionaries either way.
 */
export function compactRecord(x: unknown): Record<string, string> {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return dict<string>();
  const plain: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') Object.defineProperty(plain, k, { value: v, enumerable: true, writable: true, configurable: true });
  return Object.setPrototypeOf(JSON.parse(JSON.stringify(plain)), null) as Record<string, string>;
}

/**
 * `compactRecord` of a record JSON.parse just made (a cache line): its own data properties
 * are checked and it is used as it is, with its prototype set to null, instead of copied.
 */
function adoptRecord(x: unknown): Record<string, string> {
  if (!x || typeof x !== 'object' || Array.isArray(x) || Object.getPrototypeOf(x) !== Object.prototype) return compactRecord(x);
  for (const k in x) if (typeof (x as Record<string, unknown>)[k] !== 'string') return compactRecord(x);
  return Object.setPrototypeOf(x, null) as Record<string, string>;
}

/** The string-valued own entries of `x`, in a null-prototype record. */
export function stringRecord(x: unknown): Record<string, string> {
  const out = dict<string>();
  if (!x || typeof x !== 'object' || Array.isArray(x)) return out;
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : [];
}
