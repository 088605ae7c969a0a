import type { Importer, ImporterDependency, LockedPackage, Lockfile, PackageSource, ParseError } from '../model';
import { newLockedPackage } from './locked-package';
import { asMap, DescriptorIndex, readBlocks, splitDescriptor } from './yarn-classic';
import { scanSyml, type SymlMap, type SymlScan } from './yarn-syml';

/** `__metadata.version` values this parser understands (yarn 2 wrote 4, yarn 4.x writes 8-10). */
export const BERRY_VERSIONS = { min: 4, max: 10 };

/**
 * Parses a yarn berry (2+) yarn.lock. Entries are keyed by descriptors
 * (`"a@npm:^1.0.0, a@npm:^1.1.0"`) and resolve to a locator (`resolution`), which is the
 * package id here. Workspaces (`workspace:` resolutions) also become importers.
 */
export function parseYarnBerry(path: string, text: string, scan?: SymlScan): Lockfile {
  const parseErrors: ParseError[] = [];
  const { blocks, errors } = readBlocks(text, scan ?? scanSyml(text, 'berry'));
  parseErrors.push(...errors);

  let lockfileVersion: number | string | undefined;
  const packages: LockedPackage[] = [];
  const importers: Importer[] = [];
  const importerOf = new Map<LockedPackage, Importer>();
  const descriptors = new Map<string, string>();
  const index = new DescriptorIndex();
  const depsOf: (SymlMap | undefined)[] = [];
  const byId = new Set<string>();
  let sawMetadata = false;
  for (const block of blocks) {
    const f = block.fields;
    if (block.specifiers[0] === '__metadata') {
      sawMetadata = true;
      const raw = f.version;
      const v = typeof raw === 'string' ? Number(raw) : NaN;
      lockfileVersion = Number.isInteger(v) ? v : typeof raw === 'string' ? raw : undefined;
      if (!(Number.isInteger(v) && v >= BERRY_VERSIONS.min && v <= BERRY_VERSIONS.max)) {
        parseErrors.push({
          message: `line ${block.line}: unsupported yarn lockfile version (__metadata.version ${typeof raw === 'string' ? raw : 'missing'}; supported ${BERRY_VERSIONS.min} to ${BERRY_VERSIONS.max})`,
          span: block.span,
        });
      }
      continue;
    }
    const resolution = f.resolution;
    if (typeof resolution !== 'string' || resolution === '') {
      parseErrors.push({ message: `line ${block.line}: entry has no resolution`, span: block.keySpan });
      continue;
    }
    if (byId.has(resolution)) {
      parseErrors.push({ message: `line ${block.line}: duplicate resolution ${resolution}`, span: block.keySpan });
      continue;
    }
    byId.add(resolution);
    const locator = splitDescriptor(resolution);
    const protocol = protocolOf(locator.range);
    // The name it is installed under: the locator's, unless every descriptor is an alias.
    let name = locator.name;
    if (!block.specifiers.some((s) => hasName(s, locator.name))) {
      const first = splitDescriptor(block.specifiers[0]).name;
      if (first) name = first;
    }
    const pkg = newLockedPackage(resolution, name, typeof f.version === 'string' ? f.version : '', sourceOf(protocol, locator.range), block.span);
    pkg.keySpan = block.keySpan;
    if (name !== locator.name) pkg.realName = locator.name;
    if (pkg.source === 'git' || pkg.source === 'tarball') pkg.resolved = locator.range;
    // Berry's checksum is `<cacheKey>/<sha512 hex of the cache zip>`, not an SRI of the tarball.
    if (typeof f.checksum === 'string') pkg.integrity = f.checksum;
    if (asMap(f.bin)) pkg.hasBin = true;
    const deps = asMap(f.dependencies);
    if (deps) pkg.dependencySpecs = deps as Record<string, string>;
    packages.push(pkg);
    depsOf.push(deps);
    for (const d of block.specifiers) {
      descriptors.set(d, resolution);
      index.add(d, resolution);
    }
    if (protocol === 'workspace') {
      const wsPath = locator.range.slice('workspace:'.length);
      const importer: Importer = { path: wsPath === '.' ? '' : wsPath.replace(/^\.\//, ''), dependencies: [] };
      importers.push(importer);
      importerOf.set(pkg, importer);
    }
  }
  if (!sawMetadata) {
    parseErrors.push({ message: 'line 1: missing __metadata (not a yarn berry lockfile?)', span: { start: 0, end: 0 } });
  }
  let soleByName: Map<string, string | null> | undefined;
  for (let k = 0; k < packages.length; k++) {
    const pkg = packages[k];
    const deps = depsOf[k];
    if (!deps) continue;
    const importer = importerOf.get(pkg);
    for (const depName in deps) {
      const range = deps[depName];
      if (typeof range !== 'string') continue;
      let id = resolveInIndex(index, depName, range, pkg.id);
      if (id === undefined) {
        // Root `resolutions` and `catalog:` (.yarnrc.yml) rewrite descriptors before they
        // are locked, so the lockfile keys them differently from how the dependency is
        // written. When the name is locked once, that is the package.
        soleByName ??= indexSoleByName(packages);
        id = soleByName.get(depName) ?? undefined;
      }
      if (id !== undefined) pkg.dependencies.push(id);
      if (importer) {
        const dep: ImporterDependency = { name: depName, spec: range };
        if (id !== undefined) dep.id = id;
        importer.dependencies.push(dep);
      }
    }
  }
  return {
    path,
    format: 'yarn-berry',
    lockfileVersion,
    parsed: parseErrors.length === 0,
    parseErrors,
    packages,
    importers,
    descriptors,
  };
}

/**
 * The locator a dependency `name: range` resolves to. A bare range means `npm:`; relative
 * link:/portal:/file:/patch: descriptors are bound to their parent in the lockfile key
 * (`::locator=<parent, URI-encoded>`).
 */
export function resolveDescriptor(descriptors: Map<string, string>, name: string, range: string, parent: string): string | undefined {
  const descriptor = hasProtocol(range) ? `${name}@${range}` : `${name}@npm:${range}`;
  return descriptors.get(descriptor) ?? descriptors.get(`${descriptor}::locator=${encodeURIComponent(parent)}`);
}

/** resolveDescriptor over a DescriptorIndex (the parser's fast path). */
function resolveInIndex(index: DescriptorIndex, name: string, range: string, parent: string): string | undefined {
  const full = hasProtocol(range) ? range : `npm:${range}`;
  return index.get(name, full) ?? index.get(name, `${full}::locator=${encodeURIComponent(parent)}`);
}

/**
 * name -> the one package locked under it (null when several). A patched package and the
 * package it patches count as one: yarn installs the patched one.
 */
function indexSoleByName(packages: LockedPackage[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const patched = new Map<string, LockedPackage>();
  for (const p of packages) {
    const name = p.realName ?? p.name;
    if (p.source === 'patch') {
      if (patched.has(name)) out.set(name, null);
      else patched.set(name, p);
      continue;
    }
    out.set(name, out.has(name) ? null : p.id);
  }
  for (const [name, p] of patched) {
    const base = out.get(name);
    if (base === undefined) out.set(name, p.id);
    else if (base !== null) {
      const basePkg = packages.find((q) => q.id === base);
      out.set(name, basePkg && basePkg.version === p.version ? p.id : null);
    }
  }
  return out;
}

/** `npm:^1` -> npm; `https://x/y.tgz` -> https; `^1.0.0` -> undefined. */
function protocolOf(range: string): string | undefined {
  const n = protocolLength(range);
  return n > 0 ? range.slice(0, n) : undefined;
}

function hasProtocol(range: string): boolean {
  return protocolLength(range) > 0;
}

/** Length of a leading `[a-z][a-z0-9+.-]*:` protocol, 0 if none. (A loop, not a regex: it runs for every edge.) */
function protocolLength(range: string): number {
  const len = range.length;
  for (let i = 0; i < len; i++) {
    const c = range.charCodeAt(i);
    if (c === 58 /* : */) return i;
    const letter = c >= 97 && c <= 122;
    if (!letter && (i === 0 || !((c >= 48 && c <= 57) || c === 43 || c === 46 || c === 45))) return 0;
  }
  return 0;
}

function hasName(descriptor: string, name: string): boolean {
  return descriptor.startsWith(name) && descriptor.charCodeAt(name.length) === 64;
}

function sourceOf(protocol: string | undefined, reference: string): PackageSource {
  switch (protocol) {
    case 'npm':
      return 'registry';
    case 'workspace':
      return 'workspace';
    case 'patch':
      return 'patch';
    case 'link':
    case 'portal':
      return 'link';
    case 'file':
      return /\.(t?gz|tar)(::|$)/.test(reference) ? 'file' : 'directory';
    case 'git':
    case 'git+ssh':
    case 'git+https':
    case 'git+http':
    case 'git+file':
    case 'ssh':
    case 'github':
    case 'gitlab':
    case 'bitbucket':
      return 'git';
    case 'http':
    case 'https':
      return /\.git(#|$)|#commit=/.test(reference) ? 'git' : 'tarball';
  }
  return 'unknown';
}
