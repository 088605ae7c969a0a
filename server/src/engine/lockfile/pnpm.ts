/**
 * pnpm `pnpm-lock.yaml`: lockfileVersion 5.x, 6.x and 9.x, into the engine's model.
 *
 * The three layouts:
 * - 5.x: `packages` keyed `/name/1.2.3` or `/name/1.2.3_peer@x`; a single project keeps
 *   `specifiers` + `dependencies` at the top level, a workspace has `importers` with the
 *   same shape (`5.4-inlineSpecifiers` already uses 6.0's `{specifier, version}`).
 * - 6.x: `packages` keyed `/name@1.2.3(peer@x)`; importers hold `{specifier, version}`.
 * - 9.x: `packages` keyed `name@1.2.3` hold the metadata (resolution, hasBin, engines...);
 *   `snapshots` keyed `name@1.2.3(peer@x)` hold the dependencies. Importers' versions
 *   refer to snapshot keys.
 * Non-registry packages (git, tarballs, `file:`) have other keys and carry `name` and
 * `version` fields. A file may hold two YAML documents: pnpm writes an "environment"
 * lockfile (its own `packageManagerDependencies` and `configDependencies`) before the
 * project's; the project's document is the one analysed.
 *
 * Every installed package is one LockedPackage whose id is its full key (peer suffix
 * included): the `packages` key for 5.x/6.x, the `snapshots` key for 9.x, with the span of
 * the `packages` entry. Never throws: damage and unknown versions become parseErrors
 * (messages start with "line N: ") and `parsed: false`, with whatever could be read.
 */
import type { DependencySection, Importer, ImporterDependency, LockedPackage, Lockfile, PackageSource, ParseError } from '../model';
import { newLockedPackage } from './locked-package';
import { lineOf, readYaml } from './yaml-subset';
import type { EntrySpan, YamlDocument } from './yaml-subset';

type YamlMap = Map<string, unknown>;

/** 5, 6 or 9: which key syntax and layout the file uses. */
type Family = 5 | 6 | 9;

const IMPORTER_SECTIONS: DependencySection[] = ['dependencies', 'devDependencies', 'optionalDependencies'];
/** Beyond this many, problems with entries are summarised in one message. */
const MAX_PROBLEMS = 20;

export function parsePnpmLock(path: string, text: string): Lockfile {
  const lockfile: Lockfile = { path, format: 'pnpm', parsed: false, parseErrors: [], packages: [], importers: [] };
  try {
    new PnpmReader(text, lockfile).read();
  } catch (e) {
    lockfile.parseErrors.push({ message: `line 1: internal error while reading the lockfile: ${(e as Error).message}`, span: { start: 0, end: 0 } });
  }
  lockfile.parsed = lockfile.parseErrors.length === 0;
  return lockfile;
}

class PnpmReader {
  private family: Family = 9;
  /** Ids of all packages, for resolving references. */
  private readonly byId = new Map<string, LockedPackage>();
  /**
   * name -> (the key's text after the name, peers included -> id): resolves `name: 1.2.3(peer@x)`
   * with two lookups of strings the reader already made, instead of joining a key per edge.
   */
  private readonly byName = new Map<string, Map<string, string>>();
  /** After a YAML error, problems with entries are its consequences: the YAML error is the news. */
  private yamlDamaged = false;
  /** Problems beyond MAX_PROBLEMS are counted, not listed. */
  private problems = 0;

  constructor(
    private readonly text: string,
    private readonly lockfile: Lockfile,
  ) {}

  read(): void {
    const { text, lockfile } = this;
    const yaml = readYaml(text);
    lockfile.parseErrors.push(...yaml.errors);
    this.yamlDamaged = yaml.errors.length > 0;
    const doc = pickDocument(yaml.documents);
    if (doc === undefined) {
      if (!this.yamlDamaged) this.error(0, text.trim() === '' ? 'the file is empty' : 'not a pnpm lockfile (expected a map of lockfileVersion, importers, packages)');
      return;
    }
    const root = doc.value as YamlMap;
    const version = root.get('lockfileVersion');
    const versionSpan = doc.rootSpans.get('lockfileVersion');
    if (typeof version === 'string' || typeof version === 'number') lockfile.lockfileVersion = version;
    const family = familyOf(version);
    if (family === undefined) {
      const reason = version === undefined || version === null ? 'no lockfileVersion' : `unsupported lockfileVersion '${String(version)}' (supported: 5.x, 6.x, 9.x)`;
      this.error(versionSpan?.keyStart ?? 0, reason, versionSpan?.end);
      return;
    }
    this.family = family;

    const packages = this.mapAt(root, 'packages', doc.rootSpans);
    const packageSpans = doc.childSpans.get('packages') ?? new Map<string, EntrySpan>();
    if (family === 9) {
      const snapshots = this.mapAt(root, 'snapshots', doc.rootSpans);
      this.readSnapshots(packages, packageSpans, snapshots, doc.childSpans.get('snapshots') ?? new Map());
    } else {
      this.readPackages(packages, packageSpans);
    }

    const importers = this.mapAt(root, 'importers', doc.rootSpans);
    if (importers === undefined && family === 9) {
      // 9.x always writes importers (`.: {}` for a project without dependencies): a cut-off file lacks them.
      this.problem(text.length, 'no importers (is the file cut off?)');
    }
    if (importers !== undefined) {
      const spans = doc.childSpans.get('importers');
      for (const [path, importer] of importers) {
        const at = spans?.get(path)?.keyStart ?? 0;
        this.readImporter(path === '.' ? '' : path, importer, at);
      }
    } else if (family !== 9) {
      // A single project (5.x/6.x): its dependencies are at the top level.
      const at = doc.rootSpans.get('dependencies')?.keyStart ?? doc.rootSpans.get('devDependencies')?.keyStart ?? 0;
      this.readImporter('', root, at);
    }
    this.summarizeProblems();
  }

  /** 5.x and 6.x: each `packages` entry is a package, dependencies included. */
  private readPackages(packages: YamlMap | undefined, spans: Map<string, EntrySpan>): void {
    if (packages === undefined) return;
    for (const [key, entry] of packages) {
      const span = spans.get(key);
      if (!(entry instanceof Map)) {
        this.problem(span?.keyStart ?? 0, `package '${key}': expected a map`, span?.end);
        continue;
      }
      this.addPackage(key, key, entry, entry, span);
    }
    for (const pkg of this.lockfile.packages) this.linkPackage(pkg, packages.get(pkg.id) as YamlMap, pkg.keySpan?.start ?? 0);
  }

  /** 9.x: each snapshot is a package; its metadata lives in `packages` under the key without peers. */
  private readSnapshots(packages: YamlMap | undefined, packageSpans: Map<string, EntrySpan>, snapshots: YamlMap | undefined, snapshotSpans: Map<string, EntrySpan>): void {
    const used = new Set<string>();
    // Where each package's dependencies are written (its snapshot), in the order of lockfile.packages.
    const sources: { deps: YamlMap; at: number }[] = [];
    if (snapshots !== undefined) {
      for (const [key, snapshot] of snapshots) {
        const snapshotSpan = snapshotSpans.get(key);
        if (!(snapshot instanceof Map)) {
          this.problem(snapshotSpan?.keyStart ?? 0, `snapshot '${key}': expected a map`, snapshotSpan?.end);
          continue;
        }
        const base = withoutPeers(key, 9);
        const meta = packages?.get(base);
        used.add(base);
        if (!(meta instanceof Map)) {
          this.problem(snapshotSpan?.keyStart ?? 0, `snapshot '${key}' has no entry '${base}' in packages`, snapshotSpan?.end);
        }
        const span = meta instanceof Map ? packageSpans.get(base) : snapshotSpan;
        if (this.addPackage(key, base, meta instanceof Map ? meta : new Map(), snapshot, span)) sources.push({ deps: snapshot, at: snapshotSpan?.keyStart ?? 0 });
      }
    }
    if (packages !== undefined) {
      for (const [key, meta] of packages) {
        if (used.has(key)) continue;
        const span = packageSpans.get(key);
        if (!(meta instanceof Map)) {
          this.problem(span?.keyStart ?? 0, `package '${key}': expected a map`, span?.end);
          continue;
        }
        // pnpm writes a snapshot for every package: a missing one means a damaged file.
        this.problem(span?.keyStart ?? 0, `package '${key}' has no entry in snapshots`, span?.end);
        if (this.addPackage(key, key, meta, new Map(), span)) sources.push({ deps: new Map(), at: 0 });
      }
    }
    const list = this.lockfile.packages;
    for (let i = 0; i < list.length; i++) this.linkPackage(list[i], sources[i].deps, sources[i].at);
  }

  /**
   * Adds one package: `key` is its id, `base` the key without peers, `meta` the map with
   * resolution and flags, `deps` the map with dependencies (the same map before 9.x).
   */
  private addPackage(key: string, base: string, meta: YamlMap, deps: YamlMap, span: EntrySpan | undefined): boolean {
    if (this.byId.has(key)) return false;
    const at = span?.keyStart ?? 0;
    const fields = this.family === 9 ? nameAndVersionV9(base) : this.family === 6 ? nameAndVersionV6(base) : nameAndVersionV5(base);
    const registryKey = fields.registry;
    let name = stringAt(meta, 'name');
    if (name === undefined) {
      // Before 9.x only registry keys hold the name; pnpm itself needs the field for the others.
      if (this.family !== 9 && !registryKey) this.problem(at, `package '${key}' has no name`);
      name = fields.name;
    }
    const version = (registryKey ? undefined : stringAt(meta, 'version')) ?? fields.version;
    const pkg = newLockedPackage(key, name, version, 'unknown', span ? { start: span.keyStart, end: span.end } : { start: 0, end: 0 });
    if (span) pkg.keySpan = { start: span.keyStart, end: span.keyEnd };
    this.describeResolution(pkg, meta.get('resolution'), registryKey, at);
    if (this.flag(meta, 'hasBin', at)) pkg.hasBin = true;
    if (this.flag(meta, 'requiresBuild', at)) pkg.hasInstallScript = true;
    if (this.flag(meta, 'dev', at)) pkg.dev = true;
    if (this.flag(deps, 'optional', at) || (meta !== deps && this.flag(meta, 'optional', at))) pkg.optional = true;
    this.byId.set(key, pkg);
    if (fields.keyName !== undefined) {
      let versions = this.byName.get(fields.keyName);
      if (versions === undefined) this.byName.set(fields.keyName, (versions = new Map()));
      versions.set(key.slice(fields.suffixStart), key);
    }
    this.lockfile.packages.push(pkg);
    return true;
  }

  private describeResolution(pkg: LockedPackage, resolution: unknown, registryKey: boolean, at: number): void {
    if (resolution === undefined) {
      this.problem(at, `package '${pkg.id}' has no resolution`);
      return;
    }
    if (!(resolution instanceof Map)) {
      this.problem(at, `package '${pkg.id}': resolution is not a map`);
      return;
    }
    const integrity = stringAt(resolution, 'integrity');
    if (integrity !== undefined) pkg.integrity = integrity;
    const tarball = stringAt(resolution, 'tarball');
    const repo = stringAt(resolution, 'repo');
    const type = stringAt(resolution, 'type');
    if (type === 'git' || repo !== undefined) {
      pkg.source = 'git';
      const commit = stringAt(resolution, 'commit');
      if (repo !== undefined) pkg.resolved = commit ? `${repo}#${commit}` : repo;
    } else if (type === 'directory' || resolution.has('directory')) {
      pkg.source = 'directory';
    } else if (tarball !== undefined) {
      pkg.resolved = tarball;
      pkg.source = tarball.startsWith('file:') ? 'file' : registryKey ? 'registry' : isGitHostTarball(tarball) ? 'git' : 'tarball';
    } else if (integrity !== undefined) {
      // pnpm leaves out the URL of packages from the default registry.
      pkg.source = 'registry';
    }
  }

  /** Resolves a package's dependencies and optionalDependencies (written at `at`) to package ids. */
  private linkPackage(pkg: LockedPackage, source: YamlMap | undefined, at: number): void {
    if (source === undefined) return;
    const deps = this.mapAt(source, 'dependencies', undefined, at, pkg.id);
    const optional = this.mapAt(source, 'optionalDependencies', undefined, at, pkg.id);
    if (deps === undefined && optional === undefined) return;
    // No `dependencySpecs` (optional in the model): copying each map into an object costs
    // about as much as reading the whole file, since every name becomes a property key.
    if (deps !== undefined) this.linkDependencies(pkg, deps, at);
    if (optional !== undefined) this.linkDependencies(pkg, optional, at);
  }

  private linkDependencies(pkg: LockedPackage, deps: YamlMap, at: number): void {
    deps.forEach((value, name) => {
      const ref = refOf(value);
      if (ref === undefined) {
        this.problem(at, `package '${pkg.id}': dependency ${name} has no version`);
        return;
      }
      const id = this.resolve(name, ref);
      if (id === LINK) return;
      if (id === undefined) this.problem(at, `package '${pkg.id}' depends on ${name} ${ref}, which is not in the lockfile`);
      else pkg.dependencies.push(id);
    });
  }

  private readImporter(path: string, importer: unknown, at: number): void {
    if (!(importer instanceof Map)) {
      this.problem(at, `importer '${path || '.'}': expected a map`);
      return;
    }
    const result: Importer = { path, dependencies: [] };
    const specifiers = this.family === 5 ? this.mapAt(importer, 'specifiers', undefined, at, path || '.') : undefined;
    for (const section of IMPORTER_SECTIONS) {
      const deps = this.mapAt(importer, section, undefined, at, path || '.');
      if (deps === undefined) continue;
      for (const [name, value] of deps) {
        // 6.x/9.x (and 5.4-inlineSpecifiers): {specifier, version}; 5.x: the version, with the specifier in `specifiers`.
        const version = value instanceof Map ? refOf(value.get('version')) : refOf(value);
        const specifier = value instanceof Map ? refOf(value.get('specifier')) : refOf(specifiers?.get(name));
        if (version === undefined) {
          this.problem(at, `importer '${path || '.'}': ${name} has no version`);
          continue;
        }
        const dep: ImporterDependency = { name, spec: specifier ?? version, section };
        const id = this.resolve(name, version);
        if (id === undefined) this.problem(at, `importer '${path || '.'}' depends on ${name} ${version}, which is not in the lockfile`);
        else if (id !== LINK) dep.id = id;
        result.dependencies.push(dep);
      }
    }
    this.lockfile.importers.push(result);
  }

  /**
   * The id a dependency's version refers to. Plain versions (`1.2.3`, `1.2.3(peer@x)`,
   * `1.2.3_peer@x`) are joined with the name into a key; aliases (`/real@1.0.0`,
   * `real@1.0.0`, `npm:real@1.0.0`), git and tarball refs are already keys.
   */
  private resolve(name: string, ref: string): string | typeof LINK | undefined {
    if (ref.startsWith('link:')) return LINK;
    if (ref.startsWith('npm:')) ref = ref.slice(4);
    const byId = this.byId;
    const joined = this.byName.get(name)?.get(ref);
    if (joined !== undefined) return joined;
    if (byId.has(ref)) return ref;
    if (this.family !== 9 && byId.has(`/${ref}`)) return `/${ref}`;
    return undefined;
  }

  /** A map-valued field; anything else but absence is an error. */
  private mapAt(map: YamlMap, key: string, spans?: Map<string, EntrySpan>, at?: number, owner?: string): YamlMap | undefined {
    const value = map.get(key);
    if (value === undefined) return undefined;
    if (value instanceof Map) return value;
    const span = spans?.get(key);
    // `key:` with nothing under it reads as null; pnpm writes `{}` for an empty map, so null is damage too.
    this.problem(span?.keyStart ?? at ?? 0, `${owner ? `'${owner}': ` : ''}${key} is not a map`, span?.end);
    return undefined;
  }

  private flag(map: YamlMap, key: string, at: number): boolean {
    const value = map.get(key);
    if (value === undefined || value === false) return false;
    if (value === true) return true;
    this.problem(at, `${key} is not true or false`);
    return false;
  }

  private error(offset: number, message: string, end?: number): void {
    this.lockfile.parseErrors.push({ message: `line ${lineOf(this.text, offset)}: ${message}`, span: { start: offset, end: end ?? offset } });
  }

  /** A problem with an entry (damage the YAML reader could not see): a parse error, unless the YAML is damaged. */
  private problem(offset: number, message: string, end?: number): void {
    if (this.yamlDamaged) return;
    this.problems++;
    if (this.problems <= MAX_PROBLEMS) this.error(offset, message, end);
  }

  private summarizeProblems(): void {
    const more = this.problems - MAX_PROBLEMS;
    if (more > 0) this.error(this.text.length, `and ${more} more problems like the ones above`);
  }
}

const LINK = Symbol('link');

/** The project's document: pnpm may write an environment document (pnpm itself, config dependencies) before it. */
function pickDocument(documents: YamlDocument[]): YamlDocument | undefined {
  let first: YamlDocument | undefined;
  let withPackages: YamlDocument | undefined;
  let project: YamlDocument | undefined;
  for (const doc of documents) {
    const root = doc.value;
    if (!(root instanceof Map)) continue;
    first ??= doc;
    if (!root.has('importers') && !root.has('packages')) continue;
    withPackages = doc;
    if (!isEnvironmentDocument(root)) project = doc;
  }
  return project ?? withPackages ?? first;
}

function isEnvironmentDocument(root: YamlMap): boolean {
  const importers = root.get('importers');
  if (!(importers instanceof Map) || importers.size === 0) return false;
  for (const importer of importers.values()) {
    if (!(importer instanceof Map)) return false;
    for (const key of importer.keys()) if (key !== 'configDependencies' && key !== 'packageManagerDependencies') return false;
  }
  return true;
}

function familyOf(version: unknown): Family | undefined {
  const v = typeof version === 'number' ? String(version) : version;
  if (typeof v !== 'string') return undefined;
  if (/^5(?:\.\d+)?(?:-inlineSpecifiers)?$/.test(v)) return 5;
  if (/^6\.\d+$/.test(v)) return 6;
  if (/^9\.\d+$/.test(v)) return 9;
  return undefined;
}

const REGISTRY_VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/;

interface KeyFields {
  name: string;
  version: string;
  /** The key has a registry version (not a git/tarball/file key). */
  registry: boolean;
  /** When the key is `<name><separator><version and peers>`: that name, and where the version starts. */
  keyName?: string;
  suffixStart: number;
}

/** Removes peer (and patch) suffixes: `a@1.0.0(b@2.0.0)` -> `a@1.0.0`, `/a/1.0.0_b@2.0.0` -> `/a/1.0.0`. */
export function withoutPeers(key: string, family: Family): string {
  if (family === 5) {
    const slash = key.indexOf('/', key.startsWith('/@') ? key.indexOf('/', 2) + 1 : 1);
    const underscore = slash < 0 ? -1 : key.indexOf('_', slash);
    return underscore < 0 ? key : key.slice(0, underscore);
  }
  const at = key.indexOf('@', key.startsWith('/@') ? 2 : 1);
  const paren = key.indexOf('(', at < 0 ? 0 : at);
  return paren < 0 ? key : key.slice(0, paren);
}

/** `name@1.2.3` (9.x, without peers); non-registry keys carry their own version (`name@https://...`). */
function nameAndVersionV9(key: string): KeyFields {
  const at = key.indexOf('@', 1);
  if (at < 0) return { name: key, version: '', registry: false, suffixStart: 0 };
  const version = key.slice(at + 1);
  const name = key.slice(0, at);
  return { name, version, registry: REGISTRY_VERSION.test(version), keyName: name, suffixStart: at + 1 };
}

/** `/name@1.2.3(peers)`; other keys (`github.com/...`, `file:...`) have name and version fields. */
function nameAndVersionV6(key: string): KeyFields {
  if (!key.startsWith('/')) {
    // `file:dir` (a directory, no version field) takes its key as version, as 9.x's `name@file:dir` does.
    const fields = nameAndVersionV9(withoutPeers(key, 6));
    return { name: fields.name, version: fields.version || key, registry: false, suffixStart: 0 };
  }
  const base = withoutPeers(key, 6);
  const at = base.indexOf('@', 2);
  if (at < 0) return { name: base.slice(1), version: '', registry: false, suffixStart: 0 };
  const name = base.slice(1, at);
  return { name, version: base.slice(at + 1), registry: true, keyName: name, suffixStart: at + 1 };
}

/** `/name/1.2.3_peers` or `/@scope/name/1.2.3_peers`. */
function nameAndVersionV5(key: string): KeyFields {
  if (!key.startsWith('/')) {
    // e.g. registry.example.com/name/1.0.0 or github.com/user/repo/sha: name and version fields say more.
    if (key.startsWith('file:')) return { name: key, version: key, registry: false, suffixStart: 0 };
    const slash = key.lastIndexOf('/');
    return { name: slash < 0 ? key : key.slice(0, slash), version: slash < 0 ? '' : key.slice(slash + 1), registry: false, suffixStart: 0 };
  }
  const base = withoutPeers(key, 5);
  const slash = base.indexOf('/', base.startsWith('/@') ? base.indexOf('/', 2) + 1 : 1);
  if (slash < 0) return { name: base.slice(1), version: '', registry: false, suffixStart: 0 };
  const name = base.slice(1, slash);
  return { name, version: base.slice(slash + 1), registry: true, keyName: name, suffixStart: slash + 1 };
}

function isGitHostTarball(url: string): boolean {
  return /^https?:\/\/(?:codeload\.github\.com|gitlab\.com\/[^?#]*\/-\/archive|bitbucket\.org\/[^?#]*\/get)\//.test(url);
}

function stringAt(map: YamlMap, key: string): string | undefined {
  const value = map.get(key);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** A version reference as written (numbers only when someone wrote `1.0` unquoted). */
function refOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}
