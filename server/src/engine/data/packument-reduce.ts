/**
 * From the registry's packument to the reduced one the rules read (Packument in
 * remote-data.ts): big packuments shrink by two orders of magnitude.
 *
 * Two ways in, one set of rules for each field: reducePackument takes a parsed document
 * (tests, the older cache form), packument-reader.ts decodePackument the registry's bytes,
 * handing each field of a version to the same VersionReducer methods. Versions with the
 * same dependency record share one object, as decoded cache entries do
 * (packument-store.ts).
 */
import { PackumentBuilder, type Packument, type VersionFields } from './packument';
import { compactRecord, interner, isStrongIntegrity, stringRecord } from './packument-store';
import { namesNonRegistrySource } from '../manifest/non-registry-spec';

/** Lifecycle scripts that run when a package is installed (prepare only for git sources). */
export const INSTALL_SCRIPT_NAMES = ['preinstall', 'install', 'postinstall', 'prepare'];

/** `repository` as the rules read it: whether it names one, and as a browsable URL. */
export interface RepositoryFacts {
  has: boolean;
  url?: string;
}

/**
 * The rules for each version field, over parsed JSON values, with what a packument's
 * versions share (one object per distinct dependency record, one string per distinct
 * publisher or message). One per packument.
 */
export class VersionReducer {
  private readonly shared = new Map<string, Record<string, string>>();
  readonly intern = interner();

  /** A parsed version object (anything typeof 'object', arrays included, as before). */
  version(v: Record<string, unknown>): VersionFields {
    const dist = v.dist as Record<string, unknown> | undefined;
    const hasDist = !!dist && typeof dist === 'object';
    return this.assemble({
      repository: this.repository(v.repository),
      hasBin: hasBin(v.bin) || hasBin(binOfDirectories(v.directories)),
      scripts: this.installScripts(v.scripts, v.gypfile === true),
      dependencies: this.dependencies(v.optionalDependencies, v.dependencies),
      peers: this.peers(v.peerDependencies),
      deprecated: this.deprecated(v.deprecated),
      publisher: this.publisher(v._npmUser),
      hasProvenance: hasDist && !!dist.attestations && typeof dist.attestations === 'object',
      strongIntegrity: hasDist && isStrongIntegrity(dist.integrity),
      gitHead: gitHeadOf(v.gitHead),
    });
  }

  /** A version's record from its fields' facts (each computed by the methods here). */
  assemble(f: {
    repository: RepositoryFacts;
    hasBin: boolean;
    scripts: Record<string, string> | undefined;
    dependencies: Record<string, string> | undefined;
    peers: Record<string, string> | undefined;
    deprecated: string | undefined;
    publisher: string | undefined;
    hasProvenance: boolean;
    strongIntegrity: boolean;
    gitHead: string | undefined;
  }): VersionFields {
    const info: VersionFields = { hasRepository: f.repository.has, hasBin: f.hasBin, hasProvenance: f.hasProvenance };
    if (f.scripts) info.scripts = f.scripts;
    if (f.dependencies) info.dependencies = f.dependencies;
    if (f.peers) info.nonRegistryPeerDependencies = f.peers;
    if (f.deprecated !== undefined) info.deprecated = f.deprecated;
    if (f.publisher !== undefined) info.publisher = f.publisher;
    if (f.strongIntegrity) info.strongIntegrity = true;
    if (f.repository.url !== undefined) info.repositoryUrl = f.repository.url;
    if (f.gitHead !== undefined) info.gitHead = f.gitHead;
    return info;
  }

  repository(repo: unknown): RepositoryFacts {
    const url = browsableRepositoryUrl(repo);
    return url ? { has: hasRepository(repo), url: this.intern(url) } : { has: hasRepository(repo) };
  }

  /** The install scripts npm would run, undefined when none. */
  installScripts(raw: unknown, gypfile: boolean): Record<string, string> | undefined {
    const scripts = stringRecord(raw);
    const install: Record<string, string> = dict();
    for (const s of INSTALL_SCRIPT_NAMES) if (scripts[s]) install[s] = scripts[s];
    // npm runs `node-gyp rebuild` for a package with a binding.gyp and no install script.
    if (gypfile && !install.install && !install.preinstall) install.install = 'node-gyp rebuild';
    return Object.keys(install).length ? compactRecord(install) : undefined;
  }

  /** optionalDependencies and dependencies in one record (dependencies win, as in npm). */
  dependencies(optional: unknown, dependencies: unknown): Record<string, string> | undefined {
    return this.share(Object.assign(dict<string>(), stringRecord(optional), stringRecord(dependencies)));
  }

  /**
   * dependencies(undefined, parsed) for a record JSON.parse just made (a version without
   * optionalDependencies): when every value is a string the record is that object, kept as
   * it is with its prototype set to null (already in the compact form compactRecord makes
   * by a round trip through JSON; a tenth of decoding sentry's packuments was spent so).
   */
  parsedDependencies(parsed: unknown): Record<string, string> | undefined {
    if (!parsed || typeof parsed !== 'object' || Object.getPrototypeOf(parsed) !== Object.prototype) return this.dependencies(undefined, parsed);
    const r = parsed as Record<string, unknown>;
    let empty = true;
    for (const k in r) {
      if (typeof r[k] !== 'string') return this.dependencies(undefined, parsed);
      empty = false;
    }
    if (empty) return undefined;
    const key = JSON.stringify(r);
    const known = this.shared.get(key);
    if (known) return known;
    const adopted = Object.setPrototypeOf(r, null) as Record<string, string>;
    this.shared.set(key, adopted);
    return adopted;
  }

  /**
   * Peers are kept only where they name a source outside the registry: npm 7+ installs
   * peers, so a URL there is fetched at install time (remote-dynamic-dependency), while
   * registry peer ranges are read by no rule and would only grow the cache.
   */
  peers(raw: unknown): Record<string, string> | undefined {
    const peers = dict<string>();
    for (const [name, spec] of Object.entries(stringRecord(raw))) if (namesNonRegistrySource(name, spec)) peers[name] = spec;
    return this.share(peers);
  }

  deprecated(x: unknown): string | undefined {
    return typeof x === 'string' && x !== '' ? this.intern(x) : undefined;
  }

  /** `_npmUser.name`. */
  publisher(user: unknown): string | undefined {
    const name = user && typeof user === 'object' ? (user as Record<string, unknown>).name : undefined;
    return typeof name === 'string' ? this.intern(name) : undefined;
  }

  private share(r: Record<string, string>): Record<string, string> | undefined {
    if (Object.keys(r).length === 0) return undefined;
    const key = JSON.stringify(r);
    const known = this.shared.get(key);
    if (known) return known;
    const compact = compactRecord(r);
    this.shared.set(key, compact);
    return compact;
  }
}

/** `directories.bin`, where a package names a folder of executables. */
export function binOfDirectories(directories: unknown): unknown {
  return (directories as Record<string, unknown> | undefined)?.bin;
}

export function gitHeadOf(x: unknown): string | undefined {
  return typeof x === 'string' && /^[0-9a-f]{7,40}$/i.test(x) ? x.toLowerCase() : undefined;
}

/**
 * Keeps what the rules and hovers read from a parsed packument. Null-prototype records:
 * they are indexed by registry-supplied keys (a dist-tag named "constructor", a version
 * "__proto__"), which must never reach Object.prototype.
 */
export function reducePackument(raw: unknown, fallbackName: string): Packument | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const doc = raw as Record<string, unknown>;
  const reducer = new VersionReducer();
  const versions: ReducedVersions = { names: [], records: [] };
  if (doc.versions && typeof doc.versions === 'object') reduceVersions(doc.versions, reducer, versions);
  return buildReduced(doc, versions, fallbackName);
}

/** A document's versions, reduced, in document order: null where the value is no version object; a name may repeat. */
export interface ReducedVersions {
  names: string[];
  records: (VersionFields | null)[];
}

/** Adds the versions of a parsed `versions` value (an object, or anything else typeof 'object'). */
export function reduceVersions(parsed: object, reducer: VersionReducer, out: ReducedVersions): void {
  for (const [version, v] of Object.entries(parsed)) {
    out.names.push(version);
    out.records.push(v && typeof v === 'object' ? reducer.version(v as Record<string, unknown>) : null);
  }
}

/**
 * The Packument of a document whose versions are reduced already. The builder keeps a
 * repeated name's last value in its first place and orders them as Object.entries would
 * a record of them, as when the document went through JSON.parse.
 */
export function buildReduced(doc: Record<string, unknown>, versions: ReducedVersions, fallbackName: string): Packument {
  const builder = new PackumentBuilder(typeof doc.name === 'string' ? doc.name : fallbackName, compactRecord(doc['dist-tags']));
  const { names, records } = versions;
  for (let i = 0; i < names.length; i++) {
    const v = records[i];
    if (v) builder.version(names[i], v);
    else builder.drop(names[i]);
  }
  const time = doc.time && typeof doc.time === 'object' ? (doc.time as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(time)) {
    if (typeof v === 'string') builder.time(k, v);
  }
  const extra: { unpublished?: Packument['unpublished']; maintainers?: string[] } = {};
  const unpublished = time.unpublished as Record<string, unknown> | undefined;
  if (unpublished && typeof unpublished === 'object') {
    extra.unpublished = {
      time: typeof unpublished.time === 'string' ? unpublished.time : undefined,
      versions: Array.isArray(unpublished.versions) ? unpublished.versions.filter((x): x is string => typeof x === 'string') : [],
    };
  }
  if (Array.isArray(doc.maintainers)) {
    extra.maintainers = doc.maintainers
      .map((m) => (typeof m === 'string' ? m : m && typeof m === 'object' ? (m as { name?: unknown }).name : undefined))
      .filter((x): x is string => typeof x === 'string');
  }
  return builder.build(extra);
}

const HOST_SHORTHANDS: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org', gist: 'gist.github.com' };

/**
 * The repository a version names, as an https URL a person can open: `git+https://…/x.git`,
 * `git://`, `git+ssh://git@host/…`, `git@host:owner/repo`, `github:owner/repo` and the bare
 * `owner/repo` shorthand npm expands to GitHub. Anything else (other protocols, garbage) is
 * left out rather than turned into a link.
 */
export function browsableRepositoryUrl(repo: unknown): string | undefined {
  const raw = typeof repo === 'string' ? repo : repo && typeof repo === 'object' ? (repo as { url?: unknown }).url : undefined;
  if (typeof raw !== 'string') return undefined;
  let s = raw.trim();
  if (!s) return undefined;
  const shorthand = /^(?:(github|gitlab|bitbucket|gist):)?([\w.-]+\/[\w.-]+?)(?:\.git)?(?:#.*)?$/.exec(s);
  if (shorthand && !s.includes('//')) return `https://${HOST_SHORTHANDS[shorthand[1] ?? 'github']}/${shorthand[2]}`;
  const scp = /^(?:[\w.-]+@)?([\w.-]+\.[a-z]{2,}):(?!\/\/)([\w./-]+)$/i.exec(s);
  if (scp) s = `https://${scp[1]}/${scp[2]}`;
  s = s.replace(/^git\+/, '');
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'git:', 'ssh:'].includes(url.protocol) || !url.hostname) return undefined;
  const path = trimTrailing(url.pathname.replace(/\.git$/, ''), '/');
  return `https://${url.hostname}${url.port && url.protocol.startsWith('http') ? `:${url.port}` : ''}${path}`;
}

/**
 * `s` without trailing `ch`s. A loop, not `/\/+$/`: that regex retries from every slash of
 * a long run (quadratic; 50 KB of slashes in a packument's repository URL took 10 s).
 */
export function trimTrailing(s: string, ch: string): string {
  let end = s.length;
  while (end > 0 && s[end - 1] === ch) end--;
  return s.slice(0, end);
}

function hasRepository(repo: unknown): boolean {
  if (typeof repo === 'string') return repo.trim() !== '';
  if (repo && typeof repo === 'object') {
    const url = (repo as { url?: unknown }).url;
    return typeof url === 'string' && url.trim() !== '';
  }
  return false;
}

export function hasBin(bin: unknown): boolean {
  if (typeof bin === 'string') return bin !== '';
  return !!bin && typeof bin === 'object' && Object.keys(bin).length > 0;
}

function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
