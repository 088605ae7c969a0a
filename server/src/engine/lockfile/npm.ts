import type { DependencySection, Importer, ImporterDependency, LockedPackage, Lockfile, PackageSource, Span } from '../model';
import { newLockedPackage } from './locked-package';
import { isRecord, membersByKey, openJsonLockfile, positionFinder, stringMap, type JsonMember, type JsonOutline } from './json-spans';
import { workspaceGlobMatcher } from '../glob';
import { deepNestingMessage, MAX_JSON_DEPTH } from '../json-depth';
import { classifyResolved, isGitSpec, isTarballPath, parseNpmAlias } from './npm-source';

const KNOWN_VERSIONS = [1, 2, 3];
const NO_SPAN: Span = { start: 0, end: 0 };
const IMPORTER_SECTIONS: DependencySection[] = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];
/** What a package pulls in when installed (devDependencies of a dependency are never installed). */
const EDGE_SECTIONS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

type Entry = Record<string, unknown>;

/**
 * Parses `package-lock.json` / `npm-shrinkwrap.json` (lockfileVersion 1, 2 and 3).
 * v2 files carry both `packages` and the legacy `dependencies` tree; `packages` is read.
 * Never throws: damage and unknown versions become parseErrors, with what was readable.
 */
export function parseNpmLock(path: string, text: string): Lockfile {
  const { lockfile, root, rootMembers, outline } = openJsonLockfile(path, text, { format: 'npm', jsonc: false, knownVersions: KNOWN_VERSIONS, fileName: 'package-lock.json' });
  if (!root) return lockfile;
  /** Reads the flat `packages` map when there is one; false when there is none to read. */
  const readFlat = (): boolean => {
    const member = rootMembers().get('packages');
    if (!isRecord(root.packages) || !member) return false;
    readPackages(lockfile, root.packages, outline, member);
    return true;
  };
  if (root.lockfileVersion !== 1 && readFlat()) {
    // v2 and v3: the flat map.
  } else if (isRecord(root.dependencies)) {
    // The tree is walked recursively: JSON.parse reads any depth, so the depth is checked
    // first (see json-depth.ts), in the same pass that indexes where each level closes
    // (before the root is listed, so that the listing skips the tree at once too).
    const deep = outline.indexBrackets(MAX_JSON_DEPTH);
    const dependenciesMember = rootMembers().get('dependencies');
    if (deep !== undefined) lockfile.parseErrors.push({ message: `${positionFinder(text)(deep)}: ${deepNestingMessage()}`, span: { start: deep, end: deep + 1 } });
    else if (dependenciesMember) readLegacyTree(lockfile, root.dependencies, outline, dependenciesMember);
    else readFlat();
  } else {
    readFlat();
  }
  lockfile.parsed = lockfile.parseErrors.length === 0;
  return lockfile;
}

// ---------------------------------------------------------------------------------------
// lockfileVersion 2 and 3: the flat `packages` map keyed by install location.

function readPackages(lockfile: Lockfile, packages: Record<string, unknown>, outline: JsonOutline, packagesMember: JsonMember): void {
  const keys = Object.keys(packages);
  const spanOf = memberFinder(outline.members(packagesMember), keys);
  const index = new NodeModulesIndex();
  const rootEntry = isRecord(packages['']) ? packages[''] : {};
  const isWorkspace = workspaceMatcher(rootEntry.workspaces);
  const withSpecs: { pkg: LockedPackage; specs: Record<string, unknown> }[] = [];

  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const entry = packages[key];
    if (key === '' || !isRecord(entry)) continue;
    const member = spanOf(i, key);
    const nmAt = key.lastIndexOf('node_modules/');
    const inNodeModules = nmAt === 0 || (nmAt > 0 && key.charCodeAt(nmAt - 1) === 0x2f);
    const resolved = str(entry.resolved);
    const name = inNodeModules ? key.slice(nmAt + 13) : (str(entry.name) ?? key.slice(key.lastIndexOf('/') + 1));
    const pkg = newLockedPackage(key, name, str(entry.version) ?? '', 'registry', member?.span ?? NO_SPAN);
    if (member) pkg.keySpan = member.keySpan;
    if (resolved !== undefined) pkg.resolved = resolved;
    if (inNodeModules) index.add(key, nmAt, pkg.name);

    if (entry.link === true) {
      pkg.source = 'link';
      const target = resolved !== undefined ? normalizeRelative(resolved) : undefined;
      if (target !== undefined && Object.prototype.hasOwnProperty.call(packages, target) && isRecord(packages[target])) {
        pkg.dependencies.push(target);
        if (!pkg.version) pkg.version = str((packages[target] as Entry).version) ?? '';
      }
    } else {
      pkg.source = inNodeModules ? classifyResolved(resolved) : isWorkspace(key) ? 'workspace' : 'directory';
      const specs = collectSpecs(entry);
      if (specs) {
        pkg.dependencySpecs = specs as Record<string, string>;
        withSpecs.push({ pkg, specs });
      }
    }
    if (inNodeModules) setAlias(pkg, entry);
    setFlags(pkg, entry);
    if (entry.inBundle === true) pkg.inBundle = true;
    if (entry.peer === true) pkg.peer = true;
    lockfile.packages.push(pkg);
  }

  // Edges once every location is known. Kept in a plain list: reading them back from the
  // packages (objects of many shapes) is measurably slower on big files.
  for (const { pkg, specs } of withSpecs) {
    const chain = index.chainOf(pkg.id);
    let clean = true;
    let any = false;
    for (const name in specs) {
      any = true;
      if (typeof specs[name] !== 'string') {
        clean = false;
        continue;
      }
      const id = NodeModulesIndex.find(chain, name);
      if (id !== undefined) pkg.dependencies.push(id);
    }
    if (!any || !clean) {
      const strings = stringMap(specs);
      if (strings) pkg.dependencySpecs = strings;
      else pkg.dependencySpecs = undefined;
    }
  }

  lockfile.importers.push(importerOf('', rootEntry, index));
  for (const pkg of lockfile.packages) {
    if (pkg.source === 'workspace') lockfile.importers.push(importerOf(pkg.id, packages[pkg.id] as Entry, index));
  }
}

/**
 * The member holding the i-th key of an object. JSON.parse keeps keys in text order, so
 * normally the i-th member is it and no map is needed; duplicate keys, integer-like keys
 * or members without a value (damaged files) break that order, and then members are
 * looked up by key.
 */
function memberFinder(members: JsonMember[], keys: string[]): (i: number, key: string) => JsonMember | undefined {
  let aligned = members.length === keys.length;
  for (let i = 0; aligned && i < keys.length; i++) aligned = members[i].key === keys[i];
  if (aligned) return (i) => members[i];
  const byKey = membersByKey(members);
  return (_i, key) => byKey.get(key);
}

/** The last member named `key` (JSON.parse keeps the last of duplicates). */
function lastMember(members: JsonMember[], key: string): JsonMember | undefined {
  for (let i = members.length - 1; i >= 0; i--) if (members[i].key === key) return members[i];
  return undefined;
}

function importerOf(path: string, entry: Entry, index: NodeModulesIndex): Importer {
  const dependencies: ImporterDependency[] = [];
  const chain = index.chainOf(path);
  for (const section of IMPORTER_SECTIONS) {
    const specs = stringMap(entry[section]);
    for (const name in specs) {
      const dep: ImporterDependency = { name, spec: specs[name], section };
      const id = NodeModulesIndex.find(chain, name);
      if (id !== undefined) dep.id = id;
      dependencies.push(dep);
    }
  }
  return { path, dependencies };
}

/**
 * Finds the install location node would load a dependency from: the package's own
 * node_modules, then each enclosing folder's, up to the root. Locations are indexed by
 * folder and name once, so a lookup hashes only the (already hashed) dependency name
 * instead of building and hashing a candidate path per folder.
 */
class NodeModulesIndex {
  private byFolder = new Map<string, Map<string, string>>();

  /** Registers the install location `key`, whose last "node_modules/" is at `at`. */
  add(key: string, at: number, name: string): void {
    const folder = at === 0 ? '' : key.slice(0, at - 1);
    let names = this.byFolder.get(folder);
    if (!names) this.byFolder.set(folder, (names = new Map()));
    names.set(name, key);
  }

  static find(chain: Map<string, string>[], name: string): string | undefined {
    for (let i = 0; i < chain.length; i++) {
      const id = chain[i].get(name);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** The node_modules folders visible from `location`, nearest first. */
  chainOf(location: string): Map<string, string>[] {
    const chain: Map<string, string>[] = [];
    let dir = location;
    for (;;) {
      const names = this.byFolder.get(dir);
      if (names) chain.push(names);
      if (dir === '') return chain;
      // From an installed package straight to the folder whose node_modules holds it
      // (the folders in between, node_modules and @scope, never hold packages).
      const at = dir.lastIndexOf('/node_modules/');
      if (at !== -1) dir = dir.slice(0, at);
      else if (dir.startsWith('node_modules/')) dir = '';
      else {
        const slash = dir.lastIndexOf('/');
        dir = slash === -1 ? '' : dir.slice(0, slash);
      }
    }
  }
}

/** A link's `resolved` is relative to the lockfile's folder; keys never start with './'. */
function normalizeRelative(path: string): string {
  let p = path.replace(/\\/g, '/');
  if (p.startsWith('file:')) p = p.slice(5);
  while (p.startsWith('./')) p = p.slice(2);
  if (p.endsWith('/')) p = p.slice(0, -1);
  return p === '.' ? '' : p;
}

/**
 * Which folder entries are workspaces: those matching the root's `workspaces` globs.
 * Other folder entries are `file:` directory dependencies.
 */
function workspaceMatcher(workspaces: unknown): (path: string) => boolean {
  const globs = Array.isArray(workspaces)
    ? workspaces
    : isRecord(workspaces) && Array.isArray(workspaces.packages)
      ? workspaces.packages
      : [];
  return workspaceGlobMatcher(globs.filter((g): g is string => typeof g === 'string'));
}

// ---------------------------------------------------------------------------------------
// lockfileVersion 1: the nested `dependencies` tree. Ids are the install paths the tree
// describes ("node_modules/a/node_modules/b"), so resolution is the same as for v2/v3.

function readLegacyTree(lockfile: Lockfile, dependencies: Record<string, unknown>, outline: JsonOutline, dependenciesMember: JsonMember): void {
  const entries = new Map<string, Entry>();
  collectLegacy(lockfile, dependencies, outline, dependenciesMember, '', entries);
  const index = new NodeModulesIndex();
  for (const pkg of lockfile.packages) index.add(pkg.id, pkg.id.lastIndexOf('node_modules/'), pkg.name);
  for (const pkg of lockfile.packages) {
    const requires = stringMap(entries.get(pkg.id)!.requires);
    if (!requires) continue;
    pkg.dependencySpecs = requires;
    const chain = index.chainOf(pkg.id);
    for (const name in requires) {
      const id = NodeModulesIndex.find(chain, name);
      if (id !== undefined) pkg.dependencies.push(id);
    }
  }
  // npm 6 records no manifest in the lockfile: the top level of the tree is the root's
  // view, so every top-level entry (hoisted transitive ones included) is listed.
  const root: Importer = { path: '', dependencies: [] };
  for (const name of Object.keys(dependencies)) {
    const entry = dependencies[name];
    if (!isRecord(entry)) continue;
    root.dependencies.push({ name, spec: str(entry.version) ?? '', id: `node_modules/${name}` });
  }
  lockfile.importers.push(root);
}

function collectLegacy(
  lockfile: Lockfile,
  dependencies: Record<string, unknown>,
  outline: JsonOutline,
  member: JsonMember,
  parentId: string,
  entries: Map<string, Entry>,
): void {
  const names = Object.keys(dependencies);
  const spanOf = memberFinder(outline.members(member), names);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const entry = dependencies[name];
    if (!isRecord(entry)) continue;
    const id = parentId === '' ? `node_modules/${name}` : `${parentId}/node_modules/${name}`;
    const m = spanOf(i, name);
    const version = str(entry.version) ?? '';
    const resolved = str(entry.resolved);
    const pkg = newLockedPackage(id, name, version, 'registry', m?.span ?? NO_SPAN);
    if (m) pkg.keySpan = m.keySpan;
    if (resolved !== undefined) pkg.resolved = resolved;
    pkg.source = legacySource(version, resolved);
    if (resolved === undefined && pkg.source !== 'registry' && version) pkg.resolved = version;
    setAlias(pkg, entry);
    setFlags(pkg, entry);
    if (entry.bundled === true) pkg.inBundle = true;
    lockfile.packages.push(pkg);
    entries.set(id, entry);
    if (isRecord(entry.dependencies) && m) {
      const nested = lastMember(outline.members(m), 'dependencies');
      if (nested) collectLegacy(lockfile, entry.dependencies, outline, nested, id, entries);
    }
  }
}

/** v1 puts the source in `version` for anything that is not a registry version. */
function legacySource(version: string, resolved: string | undefined): PackageSource {
  if (version.startsWith('npm:')) return classifyResolved(resolved);
  if (isGitSpec(version)) return 'git';
  if (version.startsWith('file:')) return isTarballPath(version) ? 'file' : 'directory';
  if (/^https?:\/\//i.test(version)) return 'tarball';
  return classifyResolved(resolved);
}

// ---------------------------------------------------------------------------------------

function setAlias(pkg: LockedPackage, entry: Entry): void {
  const alias = parseNpmAlias(pkg.version) ?? (pkg.resolved !== undefined ? parseNpmAlias(pkg.resolved) : undefined);
  if (alias) {
    if (alias.name !== pkg.name) pkg.realName = alias.name;
    if (pkg.version.startsWith('npm:')) pkg.version = alias.version;
    return;
  }
  const name = str(entry.name);
  if (name !== undefined && name !== pkg.name) pkg.realName = name;
}

function setFlags(pkg: LockedPackage, entry: Entry): void {
  const integrity = str(entry.integrity);
  if (integrity !== undefined) pkg.integrity = integrity;
  if (entry.dev === true) pkg.dev = true;
  if (entry.optional === true) pkg.optional = true;
  if (entry.hasInstallScript === true) pkg.hasInstallScript = true;
  if (entry.bin !== undefined) pkg.hasBin = true;
}

/**
 * The entry's dependency maps, merged, as parsed (values are checked while edges are
 * resolved, which walks them anyway: a separate check was a tenth of the parse time).
 */
function collectSpecs(entry: Entry): Record<string, unknown> | undefined {
  let specs: Record<string, unknown> | undefined;
  for (const section of EDGE_SECTIONS) {
    const map = entry[section];
    if (isRecord(map)) specs = specs ? { ...specs, ...map } : map;
  }
  return specs;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
