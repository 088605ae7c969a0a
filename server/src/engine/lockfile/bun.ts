import semver from 'semver';
import { newLockedPackage } from './locked-package';
import type { DependencySection, Importer, ImporterDependency, LockedPackage, Lockfile, PackageSource, Span } from '../model';
import { isRecord, membersByKey, openJsonLockfile, stringMap } from './json-spans';
import { classifyResolved, isGitSpec, isTarballPath, parseNpmAlias } from './npm-source';

/** bun's type definitions (BunLockFile) list lockfileVersion 0, 1 and 2. */
const KNOWN_VERSIONS = [0, 1, 2];
const NO_SPAN: Span = { start: 0, end: 0 };
const IMPORTER_SECTIONS: DependencySection[] = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];
const EDGE_SECTIONS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;
const INTEGRITY = /^(sha1|sha256|sha384|sha512)-/;

type Info = Record<string, unknown>;

/**
 * Parses bun's text lockfile `bun.lock` (JSON with trailing commas):
 *
 *   "workspaces": { "<path>": { name, version, dependencies, devDependencies, ... } }
 *   "packages":   { "<key>": ["name@resolution", ...] }
 *
 * A package key is its install path in bun's hoisted tree: "b" is hoisted, "a/b" is the
 * copy only "a" sees, and a workspace's own copies sit under its package name
 * ("@mono/web/axios"). The entry's shape depends on the resolution:
 *   npm        ["name@1.2.3", registry-url-or-"", INFO, integrity]
 *   workspace  ["name@workspace:path"]
 *   link/file  ["name@link:path" | "name@file:path", INFO]
 *   tarball    ["name@https://... | name@./x.tgz", INFO, integrity?]
 *   git/github ["name@github:u/r#sha" | "name@git+https://...", INFO, tag, integrity?]
 * so INFO is read as the first object and the integrity as the string that looks like one.
 * Never throws: damage and unknown versions become parseErrors, with what was readable.
 */
export function parseBunLock(path: string, text: string): Lockfile {
  const { lockfile, root, rootMembers, outline } = openJsonLockfile(path, text, { format: 'bun', jsonc: true, knownVersions: KNOWN_VERSIONS, fileName: 'bun.lock' });
  if (!root) return lockfile;

  const workspaces = isRecord(root.workspaces) ? root.workspaces : {};
  const packages = isRecord(root.packages) ? root.packages : {};
  const packagesMember = rootMembers().get('packages');
  const spans = membersByKey(packagesMember ? outline.members(packagesMember) : []);
  const has = (key: string) => Object.prototype.hasOwnProperty.call(packages, key) && Array.isArray(packages[key]);

  for (const key of Object.keys(packages)) {
    const entry = packages[key];
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
    const pkg = readEntry(key, entry, workspaces);
    if (!pkg) continue;
    const member = spans.get(key);
    if (member) {
      pkg.span = member.span;
      pkg.keySpan = member.keySpan;
    }
    const specs = pkg.dependencySpecs;
    const prefixes = specs ? prefixesOf(key) : [];
    for (const name in specs) {
      const id = resolveFrom(prefixes, name, has);
      if (id !== undefined) pkg.dependencies.push(id);
    }
    lockfile.packages.push(pkg);
  }

  for (const wsPath of Object.keys(workspaces)) {
    const ws = workspaces[wsPath];
    if (!isRecord(ws)) continue;
    const importer: Importer = { path: wsPath === '.' ? '' : wsPath, dependencies: [] };
    // The root's dependencies are hoisted; another workspace's own copies sit under its name.
    const prefixes = prefixesOf(importer.path === '' ? '' : typeof ws.name === 'string' ? ws.name : '');
    for (const section of IMPORTER_SECTIONS) {
      const specs = stringMap(ws[section]);
      for (const name in specs) {
        const dep: ImporterDependency = { name, spec: specs[name], section };
        const id = resolveFrom(prefixes, name, has);
        if (id !== undefined) dep.id = id;
        importer.dependencies.push(dep);
      }
    }
    if (importer.path === '') lockfile.importers.unshift(importer);
    else lockfile.importers.push(importer);
  }
  lockfile.parsed = lockfile.parseErrors.length === 0;
  return lockfile;
}

function readEntry(key: string, entry: unknown[], workspaces: Record<string, unknown>): LockedPackage | undefined {
  const ident = entry[0] as string;
  const at = ident.indexOf('@', 1);
  const identName = at === -1 ? ident : ident.slice(0, at);
  const resolution = at === -1 ? '' : ident.slice(at + 1);
  if (resolution.startsWith('root:')) return undefined; // the root project itself
  const segments = keySegments(key);
  const pkg = newLockedPackage(key, segments[segments.length - 1], resolution, 'registry', NO_SPAN);
  let info: Info | undefined;
  for (let i = 1; i < entry.length; i++) {
    const v = entry[i];
    if (info === undefined && isRecord(v)) info = v;
    else if (typeof v === 'string' && INTEGRITY.test(v)) pkg.integrity = v;
  }

  let source: PackageSource;
  let realName = identName;
  if (resolution.startsWith('workspace:')) {
    source = 'workspace';
    const ws = workspaces[resolution.slice(10)];
    info = isRecord(ws) ? ws : info;
    pkg.version = isRecord(ws) && typeof ws.version === 'string' ? ws.version : '';
  } else if (resolution.startsWith('link:')) {
    source = 'link';
    pkg.resolved = resolution;
  } else if (resolution.startsWith('file:')) {
    source = isTarballPath(resolution) ? 'file' : 'directory';
    pkg.resolved = resolution;
  } else if (resolution.startsWith('npm:')) {
    // older files spell aliases as "alias@npm:real@1.2.3"
    const alias = parseNpmAlias(resolution)!;
    realName = alias.name;
    pkg.version = alias.version;
    source = 'registry';
    if (typeof entry[1] === 'string' && entry[1] !== '') pkg.resolved = entry[1];
  } else if (isGitSpec(resolution)) {
    source = 'git';
    pkg.resolved = resolution;
  } else if (/^https?:\/\//i.test(resolution) || isTarballPath(resolution)) {
    // ["left-pad@https://…/left-pad-1.3.0.tgz", {}, "sha512-…"]: bun records the URL in the
    // version's place and no version. The tarball's file name tells it when it is
    // `<name>-<version>.tgz`; otherwise the version is unknown (''), never the URL (which
    // read as a version that disagrees with its own tarball: a false lockfile-name-mismatch).
    source = /^https?:\/\//i.test(resolution) ? 'tarball' : 'file';
    pkg.resolved = resolution;
    pkg.version = versionFromTarballName(identName, resolution);
  } else {
    // A registry version; the second slot holds the tarball URL when not the default registry.
    if (typeof entry[1] === 'string' && entry[1] !== '') {
      pkg.resolved = entry[1];
      source = classifyResolved(entry[1]);
    } else source = 'registry';
  }
  pkg.source = source;
  if (realName !== pkg.name && source !== 'workspace') pkg.realName = realName;

  if (info) {
    if (info.bin !== undefined || info.binDir !== undefined) pkg.hasBin = true;
    let specs: Record<string, string> | undefined;
    for (const section of EDGE_SECTIONS) {
      const map = stringMap(info[section]);
      if (map) specs = specs ? { ...specs, ...map } : map;
    }
    if (specs) pkg.dependencySpecs = specs;
  }
  return pkg;
}

/** "1.3.0" for (left-pad, ".../left-pad-1.3.0.tgz?x#y"); '' when the file is not named `<name>-<version>.tgz`. */
function versionFromTarballName(name: string, url: string): string {
  let end = url.length;
  for (const c of ['#', '?']) {
    const i = url.indexOf(c);
    if (i >= 0 && i < end) end = i;
  }
  const path = url.slice(0, end);
  if (!path.endsWith('.tgz')) return '';
  const file = path.slice(path.lastIndexOf('/') + 1, -4);
  const unscoped = name.slice(name.indexOf('/') + 1);
  if (!file.startsWith(unscoped + '-')) return '';
  const version = file.slice(unscoped.length + 1);
  return semver.valid(version) === version ? version : '';
}

/** "a/@s/b/c" -> ["a", "@s/b", "c"]: scoped names take two path parts. */
function keySegments(key: string): string[] {
  const parts = key.split('/');
  const segments: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith('@') && i + 1 < parts.length) {
      segments.push(`${parts[i]}/${parts[i + 1]}`);
      i++;
    } else segments.push(parts[i]);
  }
  return segments;
}

/** The key prefixes a package's dependencies are looked up under, nearest first: "a/b" -> ["a/b", "a"]. */
function prefixesOf(from: string): string[] {
  const segments = from === '' ? [] : keySegments(from);
  const prefixes: string[] = [];
  for (let n = segments.length; n > 0; n--) prefixes.push(segments.slice(0, n).join('/'));
  return prefixes;
}

/** Like node: the copy nested under the requiring package first, then each level up to the hoisted one. */
function resolveFrom(prefixes: string[], name: string, has: (key: string) => boolean): string | undefined {
  for (const prefix of prefixes) {
    const candidate = `${prefix}/${name}`;
    if (has(candidate)) return candidate;
  }
  return has(name) ? name : undefined;
}
