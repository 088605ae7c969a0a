/**
 * The dependency graph view ("Dependencies (depwarden)" in the explorer) and "why is this
 * here?", computed from a scan result.
 *
 * Children are computed only when a node is expanded: a lockfile of a few thousand
 * packages has millions of root-to-leaf paths, so the tree is never materialised. What is
 * precomputed (once per ScanResult, kept in a WeakMap) is linear in the graph: findings
 * per package, the worst severity reachable from each package (reverse-edge BFS), and the
 * set of packages that can reach a finding (what "risky only" keeps).
 */
import type { Range } from 'vscode-languageserver';
import { SEVERITY_ORDER, type Dependency, type Finding, type LockedPackage, type Lockfile, type Severity, type Span } from '../engine/model';
import type { DependencyGraph } from '../engine/graph';
import { dirname, lockedDirectDependency, lockfileForManifest, manifestForImporter } from '../engine/project';
import { countInstalledPackages, type ScanResult } from '../engine/scan';
import { thousands } from '../engine/text/thousands';

/** Names a node; sent back by the client to expand it. `path` holds package ids from the direct dependency down. */
export type NodeRef =
  | { kind: 'lockfile'; folder: string; lockfile: string }
  | { kind: 'importer'; folder: string; lockfile: string; importer: string }
  | { kind: 'package'; folder: string; lockfile: string; importer: string; path: string[]; /** A direct dependency the lockfile does not resolve. */ unresolved?: string }
  | { kind: 'manifest'; folder: string; manifest: string }
  | { kind: 'dependency'; folder: string; manifest: string; name: string };

export interface ViewNode {
  ref: NodeRef;
  /** name@version for packages. */
  label: string;
  /** "dev", "3 findings", "(cycle)"... */
  description?: string;
  tooltip?: string;
  /** Worst finding on the node itself. */
  severity?: Severity;
  /** Worst finding on the node or anything below it. */
  subtreeSeverity?: Severity;
  findings: number;
  hasChildren: boolean;
  cycle?: boolean;
  /** Where a click goes: the lockfile entry or the package.json dependency. */
  location?: { file: string; span: Span };
}

export interface GraphViewOptions {
  riskyOnly: boolean;
  /**
   * What was not checked for a registry package (coverage.ts), so that a package with no
   * findings reads "not checked" rather than clean when the remote checks did not run for it.
   */
  notChecked?: (name: string, version: string) => string[];
}

/** The folder a result belongs to (its uri names it in refs; its name labels it). */
export interface FolderInfo {
  uri: string;
  name: string;
}

export interface WhyPath {
  ref: Extract<NodeRef, { kind: 'package' }>;
  lockfile: string;
  importer: string;
  /** The workspace's package.json name, else its path. */
  importerLabel: string;
  /** Package names from the workspace's direct dependency down to the package. */
  names: string[];
}

export interface WhyAnswer {
  /** name@version of the package asked about (empty when nothing was found). */
  target: string;
  paths: WhyPath[];
  /** How many paths there are (`paths` holds the first MAX_WHY_PATHS, shortest first). */
  total: number;
}

/** At most this many paths in a "why" answer (one per direct dependency of each workspace that pulls the package in; theia has 107 workspaces). */
const MAX_WHY_PATHS = 200;

const SKIPPED_SECTIONS = new Set(['overrides', 'resolutions', 'pnpm.overrides', 'bundleDependencies']);

// ---------------------------------------------------------------------------------------
// Per-result index

interface LockfileIndex {
  lockfile: Lockfile;
  graph: DependencyGraph;
  /** Findings on each package's lockfile entry. */
  findingsById: Map<string, Finding[]>;
  /** Findings in the lockfile that name no package entry (parse errors...). */
  ownFindings: Finding[];
  /** Worst severity of the package itself. */
  ownWorst: Map<string, Severity>;
  /** Worst severity reachable from the package (itself included); its keys are the packages that can reach a finding. */
  reachWorst: Map<string, Severity>;
  byName: Map<string, LockedPackage[]>;
  /** Entries by span start, for position lookups. */
  byStart: LockedPackage[];
  /** Parents as the tree shows them (a link's workspace under the link), built on the first "why". */
  treeParents?: Map<string, string[]>;
}

interface ResultIndex {
  lockfiles: Map<string, LockfileIndex>;
  /** manifest path -> dependency name -> findings on that package.json line. */
  manifestFindings: Map<string, Map<string, Finding[]>>;
  /** manifest path -> findings that name no dependency. */
  manifestOwnFindings: Map<string, Finding[]>;
  /** Children already computed (the result never changes): a refresh of the view costs nothing. */
  memo: Map<string, ViewNode[]>;
}

const indexes = new WeakMap<ScanResult, ResultIndex>();

function indexOf(result: ScanResult): ResultIndex {
  let index = indexes.get(result);
  if (!index) {
    index = buildIndex(result);
    indexes.set(result, index);
  }
  return index;
}

function buildIndex(result: ScanResult): ResultIndex {
  const lockfiles = new Map<string, LockfileIndex>();
  for (const [path, graph] of result.project.graphs) lockfiles.set(path, indexLockfile(graph));
  const manifestFindings = new Map<string, Map<string, Finding[]>>();
  const manifestOwnFindings = new Map<string, Finding[]>();
  const manifestPaths = new Set(result.project.manifests.map((m) => m.path));
  for (const f of result.findings) {
    if (f.suppressed) continue;
    // A finding is indexed at each of its places (its own and `also`), so that a node shows
    // it wherever the tree reaches it; nodes that join places count each finding once.
    for (const place of [{ file: f.file, span: f.span }, ...(f.also ?? [])]) {
      const lock = lockfiles.get(place.file);
      if (lock) {
        attachLockfileFinding(lock, f, place.span);
        continue;
      }
      if (!manifestPaths.has(place.file)) continue;
      if (f.package) {
        const byName = manifestFindings.get(place.file) ?? new Map<string, Finding[]>();
        manifestFindings.set(place.file, byName);
        push(byName, f.package, f);
      } else push(manifestOwnFindings, place.file, f);
    }
  }
  for (const lock of lockfiles.values()) computeReach(lock);
  return { lockfiles, manifestFindings, manifestOwnFindings, memo: new Map() };
}

function indexLockfile(graph: DependencyGraph): LockfileIndex {
  const lockfile = graph.lockfile;
  const byName = new Map<string, LockedPackage[]>();
  for (const p of lockfile.packages) push(byName, p.name, p);
  const byStart = [...lockfile.packages].sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end);
  return { lockfile, graph, findingsById: new Map(), ownFindings: [], ownWorst: new Map(), reachWorst: new Map(), byName, byStart };
}

function attachLockfileFinding(lock: LockfileIndex, f: Finding, span: Span): void {
  // A finding that names no package is about the file (lookup-incomplete, a parse error),
  // not about the entry it happens to start in.
  const entry = f.package ? entryAt(lock, span.start, (p) => p.name === f.package || p.realName === f.package) : undefined;
  let targets: LockedPackage[] = entry ? [entry] : [];
  if (!entry && f.package) targets = (lock.byName.get(f.package) ?? []).filter((p) => !f.version || p.version === f.version);
  if (targets.length === 0) {
    if (!lock.ownFindings.includes(f)) lock.ownFindings.push(f);
    return;
  }
  for (const p of targets) {
    if (lock.findingsById.get(p.id)?.includes(f)) continue;
    push(lock.findingsById, p.id, f);
    const worst = lock.ownWorst.get(p.id);
    if (!worst || SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[worst]) lock.ownWorst.set(p.id, f.severity);
  }
}

/** The innermost entry whose span holds the offset (npm v1 nests entries). */
function entryAt(lock: LockfileIndex, offset: number, accept: (p: LockedPackage) => boolean = () => true): LockedPackage | undefined {
  const list = lock.byStart;
  let lo = 0;
  let hi = list.length - 1;
  let last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].span.start <= offset) {
      last = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = last; i >= 0; i--) {
    const p = list[i];
    if (p.span.end >= offset && accept(p)) return p;
    // Entries before a top-level entry that ended before the offset cannot hold it either,
    // unless entries nest; a bounded walk keeps this cheap for flat lockfiles.
    if (last - i > 64) break;
  }
  return undefined;
}

/**
 * Worst severity reachable from every package: one reverse-edge BFS per severity, from
 * the worst down, each entering only packages not reached by a worse one.
 */
function computeReach(lock: LockfileIndex): void {
  const reverse = new Map<string, string[]>();
  for (const p of lock.lockfile.packages) {
    for (const d of p.dependencies) if (lock.graph.byId.has(d)) push(reverse, d, p.id);
  }
  const levels = (Object.keys(SEVERITY_ORDER) as Severity[]).sort((a, b) => SEVERITY_ORDER[b] - SEVERITY_ORDER[a]);
  for (const level of levels) {
    const queue: string[] = [];
    for (const [id, worst] of lock.ownWorst) {
      if (worst === level && !lock.reachWorst.has(id)) {
        lock.reachWorst.set(id, level);
        queue.push(id);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      for (const parent of reverse.get(queue[i]) ?? []) {
        if (lock.reachWorst.has(parent)) continue;
        lock.reachWorst.set(parent, level);
        queue.push(parent);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Tree

/** Top level: one node per lockfile (labelled by the folder when it is the folder's only one), then package.json files no lockfile governs. */
export function graphRoots(result: ScanResult, folder: FolderInfo, options: GraphViewOptions): ViewNode[] {
  const index = indexOf(result);
  return memoize(index, `roots|${options.riskyOnly}|${folder.uri}|${folder.name}`, () => computeRoots(result, index, folder, options));
}

export function graphChildren(result: ScanResult, ref: NodeRef, options: GraphViewOptions): ViewNode[] {
  const index = indexOf(result);
  return memoize(index, `children|${options.riskyOnly}|${JSON.stringify(ref)}`, () => computeChildren(result, index, ref, options));
}

function memoize(index: ResultIndex, key: string, compute: () => ViewNode[]): ViewNode[] {
  let nodes = index.memo.get(key);
  if (!nodes) {
    nodes = compute();
    index.memo.set(key, nodes);
  }
  return nodes;
}

function computeRoots(result: ScanResult, index: ResultIndex, folder: FolderInfo, options: GraphViewOptions): ViewNode[] {
  const nodes: ViewNode[] = [];
  const single = index.lockfiles.size === 1;
  for (const lock of index.lockfiles.values()) {
    const importers = memoize(index, `importers|${options.riskyOnly}|${folder.uri}|${lock.lockfile.path}`, () => importerNodes(result, index, lock, folder, options));
    const own = worstOf(lock.ownFindings);
    const below = maxSeverity(own, ...importers.map((n) => n.subtreeSeverity));
    if (options.riskyOnly && !below) continue;
    const path = lock.lockfile.path;
    // As the status bar counts them: distinct name@version, workspaces and links excluded.
    const count = result.files.find((f) => f.path === path)?.packages ?? countInstalledPackages(lock.lockfile);
    nodes.push({
      ref: { kind: 'lockfile', folder: folder.uri, lockfile: path },
      label: single ? folder.name : path,
      description: [single ? path : undefined, `${thousands(count)} package${count === 1 ? '' : 's'}`, findingsText(lock.ownFindings.length)].filter(Boolean).join(' · '),
      tooltip: `${path} (${lock.lockfile.format}${lock.lockfile.parsed ? '' : ', not fully parsed'})`,
      severity: own,
      subtreeSeverity: below,
      findings: lock.ownFindings.length,
      hasChildren: importers.length > 0,
      location: { file: path, span: { start: 0, end: 0 } },
    });
  }
  for (const m of result.project.manifests) {
    if (lockfileForManifest(result.project, m.path)) continue;
    const deps = manifestDependencyNodes(result, index, folder, m.path, options);
    const ownFindings = index.manifestOwnFindings.get(m.path) ?? [];
    const own = worstOf(ownFindings);
    const below = maxSeverity(own, ...deps.map((n) => n.subtreeSeverity));
    if (deps.length === 0 && (!options.riskyOnly || !below) && (options.riskyOnly || m.dependencies.length === 0)) continue;
    nodes.push({
      ref: { kind: 'manifest', folder: folder.uri, manifest: m.path },
      label: m.name ?? (m.path === 'package.json' ? folder.name : dirname(m.path)),
      description: [m.path, 'no lockfile'].join(' · '),
      severity: own,
      subtreeSeverity: below,
      findings: ownFindings.length,
      hasChildren: deps.length > 0,
      location: { file: m.path, span: { start: 0, end: 0 } },
    });
  }
  return nodes;
}

function computeChildren(result: ScanResult, index: ResultIndex, ref: NodeRef, options: GraphViewOptions): ViewNode[] {
  const folder: FolderInfo = { uri: ref.folder, name: '' };
  switch (ref.kind) {
    case 'lockfile': {
      const lock = index.lockfiles.get(ref.lockfile);
      return lock ? memoize(index, `importers|${options.riskyOnly}|${ref.folder}|${ref.lockfile}`, () => importerNodes(result, index, lock, folder, options)) : [];
    }
    case 'importer': {
      const lock = index.lockfiles.get(ref.lockfile);
      const importer = lock?.lockfile.importers.find((i) => i.path === ref.importer);
      return lock && importer ? directNodes(result, index, lock, ref, options) : [];
    }
    case 'package': {
      const lock = index.lockfiles.get(ref.lockfile);
      if (!lock || ref.path.length === 0) return [];
      const onPath = new Set(ref.path.map((id) => followLink(lock, id)));
      if (onPath.size < ref.path.length) return []; // a cycle node: its package is already above it
      const nodes: ViewNode[] = [];
      for (const id of childIds(lock, ref.path[ref.path.length - 1])) {
        if (options.riskyOnly && !lock.reachWorst.has(id)) continue;
        const pkg = lock.graph.byId.get(id)!;
        const cycle = onPath.has(followLink(lock, id));
        nodes.push(packageNode(lock, { ...ref, path: [...ref.path, id] }, pkg, options, { cycle, extra: pkg.dev ? 'dev' : pkg.optional ? 'optional' : undefined }));
      }
      return nodes.sort(byLabel);
    }
    case 'manifest':
      return manifestDependencyNodes(result, index, folder, ref.manifest, options);
    case 'dependency':
      return [];
  }
}

function importerNodes(result: ScanResult, index: ResultIndex, lock: LockfileIndex, folder: FolderInfo, options: GraphViewOptions): ViewNode[] {
  const nodes: ViewNode[] = [];
  for (const importer of lock.lockfile.importers) {
    const ref = { kind: 'importer' as const, folder: folder.uri, lockfile: lock.lockfile.path, importer: importer.path };
    const manifest = manifestForImporter(result.project, lock.lockfile.path, importer.path);
    const deps = directNodes(result, index, lock, ref, options);
    const ownFindings = manifest ? (index.manifestOwnFindings.get(manifest.path) ?? []) : [];
    const own = worstOf(ownFindings);
    const below = maxSeverity(own, ...deps.map((n) => n.subtreeSeverity));
    if (options.riskyOnly && !below) continue;
    const where = importer.path === '' ? dirname(lock.lockfile.path) || '(root)' : importer.path;
    nodes.push({
      ref,
      label: manifest?.name ?? (importer.path || folder.name || '(root)'),
      description: [where, `${importer.dependencies.length} direct`].join(' · '),
      tooltip: manifest ? manifest.path : undefined,
      severity: own,
      subtreeSeverity: below,
      findings: ownFindings.length,
      hasChildren: deps.length > 0,
      location: manifest ? { file: manifest.path, span: { start: 0, end: 0 } } : undefined,
    });
  }
  // The root workspace first, then by path.
  return nodes.sort((a, b) => {
    const pa = (a.ref as { importer: string }).importer;
    const pb = (b.ref as { importer: string }).importer;
    return pa === '' ? -1 : pb === '' ? 1 : pa < pb ? -1 : pa > pb ? 1 : 0;
  });
}

function directNodes(
  result: ScanResult,
  index: ResultIndex,
  lock: LockfileIndex,
  ref: Extract<NodeRef, { kind: 'importer' }>,
  options: GraphViewOptions,
): ViewNode[] {
  const importer = lock.lockfile.importers.find((i) => i.path === ref.importer);
  if (!importer) return [];
  const manifest = manifestForImporter(result.project, lock.lockfile.path, importer.path);
  const lineFindings = manifest ? index.manifestFindings.get(manifest.path) : undefined;
  const nodes: ViewNode[] = [];
  const seen = new Set<string>();
  for (const dep of importer.dependencies) {
    if (seen.has(dep.name)) continue;
    seen.add(dep.name);
    const declared = manifest?.dependencies.find((d) => d.name === dep.name && !SKIPPED_SECTIONS.has(d.section));
    const onLine = lineFindings?.get(dep.name) ?? [];
    const pkg = dep.id ? lock.graph.byId.get(dep.id) : undefined;
    const section = sectionText(dep.section ?? declared?.section);
    if (!pkg) {
      const worst = worstOf(onLine);
      if (options.riskyOnly && !worst) continue;
      nodes.push({
        ref: { kind: 'package', folder: ref.folder, lockfile: ref.lockfile, importer: ref.importer, path: [], unresolved: dep.name },
        label: `${dep.name}@${dep.spec}`,
        description: [section, 'not in the lockfile', findingsText(onLine.length)].filter(Boolean).join(' · '),
        severity: worst,
        subtreeSeverity: worst,
        findings: onLine.length,
        hasChildren: false,
        location: declared ? { file: manifest!.path, span: declared.nameSpan } : undefined,
      });
      continue;
    }
    if (options.riskyOnly && !lock.reachWorst.has(pkg.id) && onLine.length === 0) continue;
    const node = packageNode(lock, { ...ref, kind: 'package', path: [pkg.id] }, pkg, options, { extra: section, lineFindings: onLine });
    if (declared && manifest) node.location = { file: manifest.path, span: declared.nameSpan };
    nodes.push(node);
  }
  return nodes.sort(byLabel);
}

function packageNode(
  lock: LockfileIndex,
  ref: Extract<NodeRef, { kind: 'package' }>,
  pkg: LockedPackage,
  options: GraphViewOptions,
  more: { cycle?: boolean; extra?: string; lineFindings?: Finding[] },
): ViewNode {
  const target = lock.graph.byId.get(followLink(lock, pkg.id)) ?? pkg;
  // Distinct: a finding on the lockfile entry is often also on the package.json line.
  const findings = [...new Set([...(lock.findingsById.get(pkg.id) ?? []), ...(pkg === target ? [] : (lock.findingsById.get(target.id) ?? [])), ...(more.lineFindings ?? [])])];
  const own = worstOf(findings);
  const below = maxSeverity(own, lock.reachWorst.get(pkg.id));
  const hasChildren = !more.cycle && childIds(lock, pkg.id).some((id) => !options.riskyOnly || lock.reachWorst.has(id));
  const kind = pkg.source === 'link' || pkg.source === 'workspace' ? 'workspace' : pkg.source !== 'registry' && pkg.source !== 'unknown' ? pkg.source : undefined;
  const missing = findings.length === 0 && target.source === 'registry' && options.notChecked ? options.notChecked(target.realName ?? target.name, target.version) : [];
  return {
    ref,
    label: pkg.version ? `${pkg.name}@${pkg.version}` : pkg.name,
    description: [more.extra, kind, findingsText(findings.length), missing.length ? 'not checked' : undefined, more.cycle ? '(cycle)' : undefined].filter(Boolean).join(' · ') || undefined,
    tooltip: findings.length ? findings.map((f) => `${f.severity}: ${f.rule}: ${f.message}`).join('\n') : missing.length ? `${pkg.id}\nNo findings, but not checked: ${missing.join('; ')}` : pkg.id,
    severity: own,
    subtreeSeverity: below,
    findings: findings.length,
    hasChildren,
    cycle: more.cycle || undefined,
    location: { file: lock.lockfile.path, span: target.keySpan ?? target.span },
  };
}

function manifestDependencyNodes(result: ScanResult, index: ResultIndex, folder: FolderInfo, manifestPath: string, options: GraphViewOptions): ViewNode[] {
  const manifest = result.project.manifests.find((m) => m.path === manifestPath);
  if (!manifest) return [];
  const lineFindings = index.manifestFindings.get(manifest.path);
  const nodes: ViewNode[] = [];
  const seen = new Set<string>();
  for (const d of lastOfEachName(manifest.dependencies)) {
    if (SKIPPED_SECTIONS.has(d.section) || seen.has(d.name)) continue;
    seen.add(d.name);
    const findings = lineFindings?.get(d.name) ?? [];
    const worst = worstOf(findings);
    if (options.riskyOnly && !worst) continue;
    nodes.push({
      ref: { kind: 'dependency', folder: folder.uri, manifest: manifest.path, name: d.name },
      label: `${d.name}@${d.spec}`,
      description: [sectionText(d.section), findingsText(findings.length)].filter(Boolean).join(' · ') || undefined,
      tooltip: findings.map((f) => `${f.severity}: ${f.rule}: ${f.message}`).join('\n') || undefined,
      severity: worst,
      subtreeSeverity: worst,
      findings: findings.length,
      hasChildren: false,
      location: { file: manifest.path, span: d.nameSpan },
    });
  }
  return nodes.sort(byLabel);
}

/** A workspace link and the workspace folder it points to are one node: the folder's package. */
function followLink(lock: LockfileIndex, id: string): string {
  const pkg = lock.graph.byId.get(id);
  if (pkg?.source === 'link' && pkg.dependencies.length === 1 && lock.graph.byId.has(pkg.dependencies[0])) return pkg.dependencies[0];
  return id;
}

/** The packages shown below a package (a link shows what its workspace depends on). */
function childIds(lock: LockfileIndex, id: string): string[] {
  const pkg = lock.graph.byId.get(followLink(lock, id));
  if (!pkg) return [];
  const unique = new Set<string>();
  for (const d of pkg.dependencies) if (lock.graph.byId.has(d)) unique.add(d);
  return [...unique];
}

// ---------------------------------------------------------------------------------------
// Why

/** "Why is this here?" for the lockfile entry, the package.json dependency or the finding at an offset. */
export function whyAt(result: ScanResult, folder: FolderInfo, file: string, offset: number): WhyAnswer {
  const index = indexOf(result);
  const lock = index.lockfiles.get(file);
  if (lock) {
    const entry = entryAt(lock, offset);
    if (entry) return whyIds(result, folder, [{ lock, ids: [entry.id] }], entry);
  }
  const manifest = result.project.manifests.find((m) => m.path === file);
  const dep = manifest?.dependencies.find((d) => d.propertySpan.start <= offset && offset <= d.propertySpan.end);
  if (manifest && dep) {
    const locked = lockedDirectDependency(result.project, manifest.path, dep.name);
    if (locked) return whyPackage(result, folder, locked.name, locked.version);
  }
  const finding = result.findings.find((f) => f.package && ((f.file === file && f.span.start <= offset && offset <= f.span.end) || f.also?.some((a) => a.file === file && a.span.start <= offset && offset <= a.span.end)));
  if (finding?.package) return whyPackage(result, folder, finding.package, finding.version ?? undefined);
  return { target: dep ? dep.name : '', paths: [], total: 0 };
}

/** Every installed copy of name (at version, when given), in every lockfile. */
export function whyPackage(result: ScanResult, folder: FolderInfo, name: string, version?: string): WhyAnswer {
  const index = indexOf(result);
  const targets: { lock: LockfileIndex; ids: string[] }[] = [];
  let example: LockedPackage | undefined;
  for (const lock of index.lockfiles.values()) {
    const matching = [...(lock.byName.get(name) ?? []), ...lock.lockfile.packages.filter((p) => p.realName === name && p.name !== name)].filter(
      (p) => !version || p.version === version,
    );
    const ids = matching.map((p) => p.id);
    if (ids.length) targets.push({ lock, ids });
    example ??= matching[0];
  }
  if (!example) return { target: version ? `${name}@${version}` : name, paths: [], total: 0 };
  const versions = new Set(targets.flatMap((t) => t.ids.map((id) => t.lock.graph.byId.get(id)!.version)));
  return whyIds(result, folder, targets, example, versions.size > 1 ? name : undefined);
}

function whyIds(result: ScanResult, folder: FolderInfo, targets: { lock: LockfileIndex; ids: string[] }[], example: LockedPackage, label?: string): WhyAnswer {
  const paths: WhyPath[] = [];
  for (const { lock, ids } of targets) paths.push(...shortestPaths(result, folder, lock, ids));
  paths.sort((a, b) => a.names.length - b.names.length || (a.importer < b.importer ? -1 : a.importer > b.importer ? 1 : 0));
  return { target: label ?? `${example.name}@${example.version}`, paths: paths.slice(0, MAX_WHY_PATHS), total: paths.length };
}

/**
 * Every way in: for each workspace, one shortest path from each of its direct dependencies
 * that pulls a target in. A BFS on reverse edges from the targets gives every package its
 * distance and next step towards them, so each such direct dependency walks down.
 */
function shortestPaths(result: ScanResult, folder: FolderInfo, lock: LockfileIndex, targetIds: string[]): WhyPath[] {
  if (!lock.treeParents) {
    lock.treeParents = new Map();
    for (const p of lock.lockfile.packages) for (const d of childIds(lock, p.id)) push(lock.treeParents, d, p.id);
  }
  const reverse = lock.treeParents;
  const distance = new Map<string, number>();
  const next = new Map<string, string>();
  const queue: string[] = [];
  // The tree reaches a workspace folder through its link: start from the links too.
  const seeds = new Set(targetIds);
  for (const p of lock.lockfile.packages) if (p.source === 'link' && seeds.has(followLink(lock, p.id))) seeds.add(p.id);
  for (const id of seeds) {
    if (distance.has(id)) continue;
    distance.set(id, 0);
    queue.push(id);
  }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const parent of reverse.get(id) ?? []) {
      if (distance.has(parent)) continue;
      distance.set(parent, distance.get(id)! + 1);
      next.set(parent, id);
      queue.push(parent);
    }
  }
  const paths: WhyPath[] = [];
  for (const importer of lock.lockfile.importers) {
    const manifest = manifestForImporter(result.project, lock.lockfile.path, importer.path);
    const entries = new Set(importer.dependencies.map((d) => d.id).filter((id): id is string => id !== undefined && distance.has(id)));
    for (const entry of entries) {
      const treeIds: string[] = [];
      for (let cur: string | undefined = entry; cur !== undefined; cur = next.get(cur)) treeIds.push(cur);
      paths.push({
        ref: { kind: 'package', folder: folder.uri, lockfile: lock.lockfile.path, importer: importer.path, path: treeIds },
        lockfile: lock.lockfile.path,
        importer: importer.path,
        importerLabel: manifest?.name ?? (importer.path || folder.name || '(root)'),
        names: treeIds.map((id) => lock.graph.byId.get(id)!.name),
      });
    }
  }
  return paths;
}

/**
 * The dependency paths to a package (at a version, when given) as names, shortest first,
 * each sequence once (workspaces can share one), and how many there are: the hover card
 * and the report show the first few, "Why is this here?" lists them all (whyPackage).
 */
export function dependencyPaths(result: ScanResult, name: string, version?: string): { paths: string[][]; total: number } {
  const seen = new Set<string>();
  const out: string[][] = [];
  const answer = whyPackage(result, { uri: '', name: '' }, name, version);
  for (const p of answer.paths) {
    const key = p.names.join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p.names);
  }
  // Paths past the cap are counted, not listed.
  return { paths: out, total: out.length + answer.total - answer.paths.length };
}

// ---------------------------------------------------------------------------------------
// Helpers

/** Nodes as the LSP request returns them: locations become uri + range. */
export interface LspViewNode extends Omit<ViewNode, 'location'> {
  location?: { uri: string; range: Range };
}

export function toLspNodes(nodes: ViewNode[], uriOf: (file: string) => string, rangeOf: (file: string, span: Span) => Range | undefined): LspViewNode[] {
  return nodes.map(({ location, ...rest }) => {
    const range = location ? rangeOf(location.file, location.span) : undefined;
    return range && location ? { ...rest, location: { uri: uriOf(location.file), range } } : rest;
  });
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function worstOf(findings: Finding[]): Severity | undefined {
  return maxSeverity(...findings.map((f) => f.severity));
}

function maxSeverity(...severities: (Severity | undefined)[]): Severity | undefined {
  let worst: Severity | undefined;
  for (const s of severities) if (s && (!worst || SEVERITY_ORDER[s] > SEVERITY_ORDER[worst])) worst = s;
  return worst;
}

function findingsText(n: number): string | undefined {
  return n === 0 ? undefined : `${n} finding${n === 1 ? '' : 's'}`;
}

function sectionText(section: string | undefined): string | undefined {
  switch (section) {
    case 'devDependencies':
      return 'dev';
    case 'optionalDependencies':
      return 'optional';
    case 'peerDependencies':
      return 'peer';
    default:
      return undefined;
  }
}

/** Duplicate keys: the last one wins, as in JSON.parse. */
function lastOfEachName(deps: Dependency[]): Dependency[] {
  const last = new Map<string, Dependency>();
  for (const d of deps) if (!SKIPPED_SECTIONS.has(d.section)) last.set(`${d.section}\0${d.name}`, d);
  return [...last.values()];
}

function byLabel(a: ViewNode, b: ViewNode): number {
  return a.label < b.label ? -1 : a.label > b.label ? 1 : 0;
}
