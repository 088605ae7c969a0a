import type { LockedPackage, Lockfile, PackageSource, ParseError } from '../model';
import { newLockedPackage } from './locked-package';
import { parseSymlFallback, scanSyml, type SymlBlock, type SymlMap, type SymlScan } from './yarn-syml';

/**
 * True when the file carries yarn classic's `# yarn lockfile v1` header in its leading
 * comments (within the first 400 characters): the lines before it are comments or blank.
 * Read line by line: the regex this replaces (`^(?:#[^\n]*\n|\s*\n)*?#…`) could split a
 * run of blank lines between its two alternatives in exponentially many ways (a 133-byte
 * yarn.lock took 150 s).
 */
export function hasClassicHeader(text: string): boolean {
  const head = text.slice(0, 400);
  for (let pos = 0; pos <= head.length; ) {
    let eol = head.indexOf('\n', pos);
    if (eol < 0) eol = head.length;
    const line = head.slice(pos, eol);
    if (line.startsWith('#')) {
      if (line.slice(1).trim() === 'yarn lockfile v1') return true;
    } else if (line.trim() !== '' || eol === head.length) {
      return false;
    }
    pos = eol + 1;
  }
  return false;
}

/**
 * Parses a yarn classic (v1) yarn.lock. Never throws: unreadable lines become parseErrors
 * (with parsed=false) and the entries that did parse are returned.
 */
export function parseYarnClassic(path: string, text: string, scan?: SymlScan): Lockfile {
  const parseErrors: ParseError[] = [];
  if (!hasClassicHeader(text)) {
    parseErrors.push({ message: "line 1: missing the '# yarn lockfile v1' header", span: { start: 0, end: 0 } });
  }
  const { blocks, errors } = readBlocks(text, scan ?? scanSyml(text, 'classic'));
  parseErrors.push(...errors);

  const packages: LockedPackage[] = [];
  const descriptors = new Map<string, string>();
  const index = new DescriptorIndex();
  const depsOf: (SymlMap | undefined)[] = [];
  const optionalDepsOf: (SymlMap | undefined)[] = [];
  const seen = new Set<string>();
  for (const block of blocks) {
    const f = block.fields;
    const version = f.version;
    if (typeof version !== 'string' || version === '') {
      parseErrors.push({ message: `line ${block.line}: entry has no version`, span: block.keySpan });
      continue;
    }
    const { name, range } = splitDescriptor(block.specifiers[0]);
    let realName: string | undefined;
    if (range.startsWith('npm:')) realName = splitDescriptor(range.slice(4)).name || undefined;
    let id = `${name}@${version}`;
    // Two blocks can resolve to the same name@version (e.g. one from git, one from the registry).
    for (let n = 2; seen.has(id); n++) id = `${name}@${version}#${n}`;
    seen.add(id);
    const resolved = typeof f.resolved === 'string' ? f.resolved : undefined;
    const pkg = newLockedPackage(id, name, version, sourceOf(range, resolved), block.span);
    pkg.keySpan = block.keySpan;
    if (realName && realName !== name) pkg.realName = realName;
    if (resolved !== undefined) pkg.resolved = resolved;
    if (typeof f.integrity === 'string') pkg.integrity = f.integrity;
    const deps = asMap(f.dependencies);
    const optionalDeps = asMap(f.optionalDependencies);
    if (deps || optionalDeps) {
      pkg.dependencySpecs = (optionalDeps ? { ...deps, ...optionalDeps } : deps) as Record<string, string>;
    }
    packages.push(pkg);
    depsOf.push(deps);
    optionalDepsOf.push(optionalDeps);
    for (const spec of block.specifiers) {
      descriptors.set(spec, id);
      index.add(spec, id);
    }
  }
  // Edges, once every descriptor is known.
  for (let k = 0; k < packages.length; k++) {
    addEdges(packages[k], depsOf[k], index);
    addEdges(packages[k], optionalDepsOf[k], index);
  }
  return {
    path,
    format: 'yarn-classic',
    lockfileVersion: 1,
    parsed: parseErrors.length === 0,
    parseErrors,
    packages,
    importers: [],
    descriptors,
  };
}

/**
 * The scanner's blocks, or, when it hit lines outside its subset, the full grammar's
 * reading of the file. Errors are kept only when both fail.
 */
export function readBlocks(text: string, scan: SymlScan): { blocks: SymlBlock[]; errors: ParseError[] } {
  const errors: ParseError[] = [];
  let blocks = scan.blocks;
  if (scan.errors.length > 0) {
    const fallback = parseSymlFallback(text);
    if (fallback) blocks = fallback;
    else errors.push(...scan.errors);
  }
  if (scan.truncated) errors.push(scan.truncated);
  return { blocks, errors };
}

function addEdges(pkg: LockedPackage, deps: SymlMap | undefined, index: DescriptorIndex): void {
  if (!deps) return;
  for (const name in deps) {
    const spec = deps[name];
    if (typeof spec !== 'string') continue;
    const id = index.get(name, spec);
    if (id !== undefined) pkg.dependencies.push(id);
  }
}

/**
 * Descriptors by name, then range: looking up `name@range` as one string would build and
 * hash a new string per edge, which costs more than the rest of the edge pass.
 */
export class DescriptorIndex {
  private byName = new Map<string, Map<string, string>>();

  add(descriptor: string, id: string): void {
    const at = descriptor.indexOf('@', 1);
    const name = at < 0 ? descriptor : descriptor.slice(0, at);
    const range = at < 0 ? '' : descriptor.slice(at + 1);
    let ranges = this.byName.get(name);
    if (ranges === undefined) this.byName.set(name, (ranges = new Map()));
    ranges.set(range, id);
  }

  get(name: string, range: string): string | undefined {
    return this.byName.get(name)?.get(range);
  }
}

export function asMap(v: unknown): SymlMap | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as SymlMap) : undefined;
}

/** `@scope/name@range` -> name and range (the '@' that separates them is never the first character). */
export function splitDescriptor(descriptor: string): { name: string; range: string } {
  const at = descriptor.indexOf('@', 1);
  if (at < 0) return { name: descriptor, range: '' };
  return { name: descriptor.slice(0, at), range: descriptor.slice(at + 1) };
}

/** Where a classic entry comes from, judged by the requested range and the resolved URL. */
function sourceOf(range: string, resolved: string | undefined): PackageSource {
  // Fast path for the common case: a semver range resolved to a registry tarball
  // (<registry>/<name>/-/<name>-<version>.tgz).
  const c = range.charCodeAt(0);
  if (resolved !== undefined && resolved.startsWith('https://') && resolved.indexOf('/-/') > 0 && (c === 94 || c === 126 || (c >= 48 && c <= 57)) && !/\.git(#|$)/.test(resolved)) {
    return 'registry';
  }
  if (range.startsWith('file:')) return /\.(t?gz|tar)$/.test(range) ? 'file' : 'directory';
  if (range.startsWith('link:')) return 'link';
  if (resolved === undefined) return isGitRange(range) ? 'git' : 'unknown';
  if (/^(git\+|git:|ssh:|github:)/.test(resolved) || /\.git(#|$)/.test(resolved)) return 'git';
  if (resolved.startsWith('file:')) return 'file';
  if (isGitRange(range)) return 'git'; // e.g. a GitHub shorthand fetched as a codeload tarball
  // Registry tarballs are at <registry>/<name>/-/<name>-<version>.tgz
  if (/^https?:\/\//.test(resolved)) return /\/-\/[^/]+\.tgz(#|$)/.test(resolved) ? 'registry' : 'tarball';
  return 'unknown';
}

function isGitRange(range: string): boolean {
  return /^(git\+|git:|ssh:|github:|gitlab:|bitbucket:|gist:)/.test(range) || /^[\w.-]+\/[\w.-]+(#.*)?$/.test(range) || /\.git(#|$)/.test(range);
}
