import type { FileReport, Finding, LockedPackage, Lockfile, RuleId, Settings, SourceFile, Span } from './model';
import { defaultSettings, SEVERITY_ORDER } from './model';
import { buildProject, manifestForImporter, roleOfPath, type Project, type ProjectOptions } from './project';
import { RULES } from './rules';
import { unparsedFile } from './rules/unparsed-file';
import { canRun, type Rule, type ScanInput } from './rules/context';
import { ScanData } from './rules/scan-data';
import type { RemoteData } from './data/remote-data';
import type { EvaluatedTarget, PackageTarget } from './data/targets';
import { applySuppressions } from './policy/suppressions';
import { attachStandardFixes } from './fixes/standard-fixes';

export interface ScanOptions extends ProjectOptions {
  settings?: Settings;
  now?: Date;
  /** Registry/advisory data; without it the remote rules do not run. */
  remote?: RemoteData;
  /**
   * The project these files and options build, when the caller built it already (the CLI
   * does, to gather the remote data first): reused instead of built a second time.
   */
  project?: Project;
  /** Keep what rescanLanded needs to follow this scan (the language server, while lookups land). */
  keepForRescan?: boolean;
}

export interface ScanResult {
  project: Project;
  files: FileReport[];
  findings: Finding[];
  /** Rules that threw (a bug, never a reason to lose the other findings). */
  ruleErrors: { rule: string; message: string }[];
  /**
   * With remote data: every package the remote rules judged, joined with that data (the
   * scan's own ScanData.targets, so that the CLI's summary does not evaluate them again).
   */
  targets?: EvaluatedTarget[];
  /** What rescanLanded reuses (scans with keepForRescan and remote data). */
  basis?: RescanBasis;
}

/**
 * A scan's inputs and each rule's own findings (before suppressions, attribution and
 * standard fixes, which are applied to copies), for rescanLanded.
 */
export interface RescanBasis {
  project: Project;
  settings: Settings;
  remote: RemoteData;
  /** The remote data's parts other than packuments and advisories: a rescan needs the same ones. */
  auditCount: number;
  collected: PackageTarget[];
  evaluated: EvaluatedTarget[];
  byRule: Map<RuleId, Finding[]>;
  errorsByRule: Map<string, ScanResult['ruleErrors']>;
  /** The registry names of the lockfile entry or package.json dependency at each place (see placeKey). */
  namesAt: Map<string, string[]>;
  /** Names that share a place with another name: always judged again together. */
  shared: Set<string>;
  /**
   * Per rule with perName.alsoReads: name read -> the names whose findings read it. Built
   * on the first rescan that needs it and shared by the rescans that follow (the project
   * does not change between them).
   */
  readers: Map<RuleId, Map<string, string[]>>;
}

/**
 * The one entry point: files in, findings out. Used by the language server and the CLI.
 * Faults are isolated: a file whose parser throws is one unparsed file (buildProject), a
 * rule that throws loses its own findings (ruleErrors); and should anything else throw,
 * every file of the folder is reported unparsed with the error: an empty result would
 * read as "clean" in the editor, where nobody sees an exit code.
 */
export function scanFiles(files: SourceFile[], options: ScanOptions = {}): ScanResult {
  try {
    return scanProject(files, options);
  } catch (e) {
    const reason = `the scan failed: ${(e as Error).message}`;
    const unread = files.map((f): SourceFile => (roleOfPath(f.path) === 'source' ? f : { ...f, readError: reason }));
    const project = buildProject(unread);
    const input = { project, settings: defaultSettings(), now: options.now ?? new Date() };
    return { project, files: fileReports(project), findings: unparsedFile.run(input), ruleErrors: [{ rule: 'scan', message: (e as Error).stack ?? String(e) }] };
  }
}

function scanProject(files: SourceFile[], options: ScanOptions): ScanResult {
  const settings = options.settings ?? defaultSettings();
  const project = options.project ?? buildProject(files, options);
  const scan: ScanInput = { project, settings, now: options.now ?? new Date(), remote: options.remote };
  // Built once here, so that every rule of the scan shares its indexes and lookups.
  const input = { ...scan, data: new ScanData(scan) };
  const byRule = new Map<RuleId, Finding[]>();
  const errorsByRule = new Map<string, ScanResult['ruleErrors']>();
  for (const rule of RULES) {
    const setting = settings.rules[rule.id];
    if (setting === 'off' || !canRun(rule, input)) continue;
    const produced = runRule(rule, input, errorsByRule);
    if (produced) byRule.set(rule.id, produced);
  }
  const keep = options.keepForRescan === true && options.remote !== undefined;
  const result = finishScan(project, settings, input.now, byRule, errorsByRule, keep);
  if (options.remote) result.targets = input.data.targets;
  if (keep) {
    const places = placeIndex(project);
    // A rule that breaks its perName promise (a finding on no package's place) is never rescanned in part.
    const placed = RULES.every((r) => !r.perName || (byRule.get(r.id) ?? []).every((f) => places.namesAt.has(placeKey(f))));
    if (placed) {
      result.basis = { project, settings, remote: options.remote!, auditCount: options.remote!.audits?.size ?? 0, collected: input.data.packageTargets, evaluated: input.data.allTargets, byRule, errorsByRule, ...places, readers: new Map() };
    }
  }
  return result;
}

/** Runs one rule, with the severity its setting gives; undefined when it threw (recorded in `errors`). */
function runRule(rule: Rule, input: ScanInput & { data: ScanData }, errors: Map<string, ScanResult['ruleErrors']>): Finding[] | undefined {
  const setting = input.settings.rules[rule.id];
  let produced: Finding[];
  try {
    produced = rule.run(input);
  } catch (e) {
    errors.set(rule.id, [{ rule: rule.id, message: (e as Error).stack ?? String(e) }]);
    return undefined;
  }
  if (setting && setting !== 'off') for (const f of produced) f.severity = setting;
  return produced;
}

/**
 * Suppressions, attribution to direct dependencies, order and standard fixes, over every
 * rule's findings. With `copy`, on copies: the rules' own findings are kept unchanged for
 * a rescan.
 */
function finishScan(project: Project, settings: Settings, now: Date, byRule: Map<RuleId, Finding[]>, errorsByRule: Map<string, ScanResult['ruleErrors']>, copy: boolean): ScanResult {
  const findings: Finding[] = [];
  for (const produced of byRule.values()) for (const f of produced) findings.push(copy ? copyFinding(f) : f);
  findings.push(...applySuppressions(project, findings, settings, now));
  const shown = attributeToDirectDependencies(project, findings);
  shown.sort(compareFindings);
  const ruleErrors = [...errorsByRule.values()].flat();
  return attachStandardFixes({ project, files: fileReports(project), findings: shown, ruleErrors });
}

/** A copy the later steps may change (they set `suppressed`, add places, fixes and evidence, complete fixes). */
function copyFinding(f: Finding): Finding {
  const g: Finding = { ...f, fixes: f.fixes.map((x) => ({ ...x })) };
  if (f.also) g.also = [...f.also];
  if (f.evidence) g.evidence = [...f.evidence];
  return g;
}

/**
 * The scan `previous` (made with keepForRescan) again, after the registry or advisory
 * data of the names in `landed` changed, for the same files and settings: what the
 * language server publishes while lookups land (a full scan of a monorepo folder every
 * second or two was a fifth of the main thread during a cold lookup). Only the landed
 * names' targets are joined with the data again; rules of local data alone keep their
 * findings; `perName` rules are run for the landed names (and those whose findings read
 * them) and keep their other findings; the other remote rules run in full. The result is
 * the full scan's, except that kept findings were computed with the earlier clock (a
 * release-age finding may be a rescan late to appear): the caller ends with a full scan.
 *
 * Undefined when the data is not the same store (another plane, other indicators or
 * audits) or a rule threw: then the caller scans in full.
 */
export function rescanLanded(previous: ScanResult, options: ScanOptions & { remote: RemoteData }, landed: ReadonlySet<string>): ScanResult | undefined {
  const basis = previous.basis;
  const remote = options.remote;
  if (!basis || options.settings !== basis.settings || !sameStore(basis, remote)) return undefined;
  const { project, settings } = basis;
  const dirty = new Set([...landed, ...basis.shared]);
  const scan: ScanInput = { project, settings, now: options.now ?? new Date(), remote };
  const input = { ...scan, data: new ScanData(scan, { collected: basis.collected, evaluated: basis.evaluated, landed: dirty }) };
  const byRule = new Map<RuleId, Finding[]>();
  const errorsByRule = new Map<string, ScanResult['ruleErrors']>();
  for (const rule of RULES) {
    const setting = settings.rules[rule.id];
    if (setting === 'off' || !canRun(rule, input)) continue;
    const before = basis.byRule.get(rule.id);
    if (!rule.data.includes('registry') && !rule.data.includes('advisories')) {
      // Local data alone: the files did not change, nor did its findings.
      if (before) byRule.set(rule.id, before);
      const errors = basis.errorsByRule.get(rule.id);
      if (errors) errorsByRule.set(rule.id, errors);
      continue;
    }
    if (!rule.perName || !before) {
      const produced = runRule(rule, input, errorsByRule);
      if (!produced) return undefined;
      byRule.set(rule.id, produced);
      continue;
    }
    const names = namesToJudge(rule, basis, input.data.allTargets, dirty);
    const fresh = runRule(rule, { ...input, only: names, data: input.data.restrictedTo(names) }, errorsByRule);
    if (!fresh) return undefined;
    // Each fresh finding must be about a name judged again (else the rule broke its promise).
    const judged = (f: Finding) => (basis.namesAt.get(placeKey(f)) ?? []).some((n) => names.has(n));
    if (!fresh.every(judged)) return undefined;
    byRule.set(rule.id, [...before.filter((f) => !judged(f)), ...fresh]);
  }
  const result = finishScan(project, settings, input.now, byRule, errorsByRule, true);
  result.targets = input.data.allTargets;
  result.basis = { ...basis, remote, evaluated: input.data.allTargets, byRule, errorsByRule };
  return result;
}

/**
 * The landed names, and the names whose findings read a landed name: of targets by
 * RuleDeclaration.perName.reads, of every name at a place by perName.alsoReads.
 */
function namesToJudge(rule: Rule, basis: RescanBasis, targets: EvaluatedTarget[], dirty: ReadonlySet<string>): ReadonlySet<string> {
  const { reads, alsoReads } = rule.perName ?? {};
  if (!reads && !alsoReads) return dirty;
  const names = new Set(dirty);
  if (alsoReads) {
    const readers = readersOf(rule.id, alsoReads, basis);
    for (const d of dirty) for (const n of readers.get(d) ?? []) names.add(n);
  }
  if (!reads) return names;
  for (const t of targets) {
    if (names.has(t.name)) continue;
    for (const n of reads(t)) {
      if (dirty.has(n)) {
        names.add(t.name);
        break;
      }
    }
  }
  return names;
}

/** basis.readers of the rule: for each name alsoReads gives, the names at places that read it. */
function readersOf(rule: RuleId, alsoReads: (name: string) => string | undefined, basis: RescanBasis): Map<string, string[]> {
  let readers = basis.readers.get(rule);
  if (readers) return readers;
  readers = new Map();
  const seen = new Set<string>();
  for (const names of basis.namesAt.values()) {
    for (const n of names) {
      if (seen.has(n)) continue;
      seen.add(n);
      const read = alsoReads(n);
      if (read === undefined || read === n) continue;
      const list = readers.get(read);
      if (list) list.push(n);
      else readers.set(read, [n]);
    }
  }
  basis.readers.set(rule, readers);
  return readers;
}

/** The same store of answers, grown since: the same maps, indicators, feeds and audits. */
function sameStore(basis: RescanBasis, remote: RemoteData): boolean {
  const was = basis.remote;
  return (
    remote.packuments === was.packuments &&
    remote.advisories === was.advisories &&
    remote.iocs === was.iocs &&
    remote.malwareFeeds === was.malwareFeeds &&
    remote.audits === was.audits &&
    (remote.audits?.size ?? 0) === basis.auditCount &&
    remote.offline === was.offline &&
    remote.advisoriesEnabled === was.advisoriesEnabled
  );
}

function placeKey(f: { file: string; span: Span }): string {
  return `${f.file}\0${f.span.start}\0${f.span.end}`;
}

/**
 * Which registry package each lockfile entry and package.json dependency is (where a
 * perName rule's findings go), and the names that share a place with another name.
 */
function placeIndex(project: Project): Pick<RescanBasis, 'namesAt' | 'shared'> {
  const namesAt = new Map<string, string[]>();
  const shared = new Set<string>();
  const add = (file: string, span: Span, name: string) => {
    const key = placeKey({ file, span });
    const names = namesAt.get(key);
    if (!names) namesAt.set(key, [name]);
    else if (!names.includes(name)) {
      names.push(name);
      for (const n of names) shared.add(n);
    }
  };
  for (const l of project.lockfiles) for (const p of l.packages) add(l.path, p.keySpan ?? p.span, p.realName ?? p.name);
  for (const m of project.manifests) {
    for (const d of m.dependencies) {
      const name = (d.kind === 'alias' ? d.aliasOf?.name : undefined) ?? d.name;
      add(m.path, d.nameSpan, name);
      if (d.specSpan) add(m.path, d.specSpan, name);
    }
  }
  return { namesAt, shared };
}

/**
 * Rules whose findings on a package.json come from that file's own entries (judged with
 * the project around it: workspaces, locked versions, the popular-names list, registry
 * data in hand). What an edit of a package.json changes at once; the other rules relate
 * files to each other and wait for the full scan.
 */
export const EDIT_LOCAL_RULES: ReadonlySet<string> = new Set(['unparsed-file', 'typosquat', 'unpinned-range', 'non-registry-source', 'insecure-url']);

/**
 * The findings of EDIT_LOCAL_RULES on the `focus` files alone, suppressions applied: what
 * the editor shows within the debounce of an edit, before the full scan of the folder
 * (whose rules read every lockfile entry) catches up. The same rules on the same project
 * as a full scan, so the findings are the full scan's for these rules and files, except
 * that a package.json finding does not yet carry its lockfile twin's place (`also`).
 */
export function scanFocused(files: SourceFile[], options: ScanOptions & { focus: ReadonlySet<string> }): { project: Project; findings: Finding[] } {
  const settings = options.settings ?? defaultSettings();
  const project = buildProject(files, options);
  const scan: ScanInput = { project, settings, now: options.now ?? new Date(), remote: options.remote, focus: options.focus };
  const input = { ...scan, data: new ScanData(scan) };
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const setting = settings.rules[rule.id];
    if (!EDIT_LOCAL_RULES.has(rule.id) || setting === 'off' || !canRun(rule, input)) continue;
    let produced: Finding[];
    try {
      produced = rule.run(input);
    } catch {
      continue; // the full scan that follows reports it
    }
    for (const f of produced) {
      if (!options.focus.has(f.file)) continue;
      if (setting) f.severity = setting;
      findings.push(f);
    }
  }
  // Marks the suppressed ones; what it reports itself is about the policy file, not these.
  applySuppressions(project, findings, settings, input.now);
  findings.sort(compareFindings);
  return { project, findings };
}

/**
 * One finding per problem, reachable at every place it concerns (`also`); where the
 * editor shows it is the LSP layer's choice (depwarden.lockfileFindings).
 *
 * A finding on a lockfile entry is also reachable from the package.json line of the direct
 * dependency that pulls the package in, where people edit. When a rule says the same thing
 * on that line already (typosquat and insecure-url look at both files), the two are one
 * problem: the package.json finding is kept (its version, hence its suppression and its
 * SARIF fingerprint, unchanged) with the lockfile entry in `also`, so that the Problems
 * panel, the CLI and the counts list it once.
 */
function attributeToDirectDependencies(project: Project, findings: Finding[]): Finding[] {
  const manifestPaths = new Set(project.manifests.map((m) => m.path));
  // What package.json already says about a dependency, by manifest, rule and package.
  const onManifest = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.file}|${f.rule}|${f.package}`;
    if (f.package && manifestPaths.has(f.file) && !onManifest.has(key)) onManifest.set(key, f);
  }
  const folded = new Set<Finding>();
  for (const f of findings) {
    if (!f.via || f.via.length === 0) continue;
    const graph = project.graphs.get(f.file);
    if (!graph) continue;
    const pkg = lockfileIndex(graph.lockfile).byNameVersion.get(`${f.package}@${f.version}`);
    const importer = pkg ? graph.importerOf(pkg.id) : undefined;
    if (importer === undefined) continue;
    const manifest = manifestForImporter(project, f.file, importer);
    const dep = manifest?.dependencies.find((d) => d.name === f.via![0] && d.section !== 'overrides' && d.section !== 'resolutions' && d.section !== 'pnpm.overrides');
    if (!manifest || !dep) continue;
    const twin = f.via.length === 1 ? onManifest.get(`${manifest.path}|${f.rule}|${f.package}`) : undefined;
    if (twin) {
      // A suppression that matched one of the two and not the other keeps them apart.
      if (!twin.suppressed === !f.suppressed) {
        fold(f, twin);
        folded.add(f);
      }
      continue;
    }
    addPlace(f, { file: manifest.path, span: dep.nameSpan });
  }
  return folded.size ? findings.filter((f) => !folded.has(f)) : findings;
}

/** The lockfile finding `from` and the package.json finding `into` are one problem: `into` keeps both places and what `from` adds. */
function fold(from: Finding, into: Finding): void {
  addPlace(into, { file: from.file, span: from.span });
  for (const a of from.also ?? []) if (a.file !== into.file) addPlace(into, a);
  if (SEVERITY_ORDER[from.severity] > SEVERITY_ORDER[into.severity]) into.severity = from.severity;
  for (const fix of from.fixes) if (!into.fixes.some((x) => x.title === fix.title)) into.fixes.push(fix);
  const evidence = [...(into.evidence ?? []), ...(from.evidence ?? []).filter((e) => !into.evidence?.includes(e))];
  if (evidence.length) into.evidence = evidence;
}

function addPlace(f: Finding, place: { file: string; span: Finding['span'] }): void {
  if (place.file === f.file && place.span.start === f.span.start && place.span.end === f.span.end) return;
  const also = (f.also ??= []);
  if (!also.some((a) => a.file === place.file && a.span.start === place.span.start && a.span.end === place.span.end)) also.push(place);
}

function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.span.start !== b.span.start) return a.span.start - b.span.start;
  if (a.severity !== b.severity) return SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity];
  return a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0;
}

function fileReports(project: Project): FileReport[] {
  const reports: FileReport[] = [];
  for (const m of project.manifests) {
    const r: FileReport = { path: m.path, kind: 'manifest', parsed: m.parseErrors.length === 0 };
    if (m.parseErrors.length) r.error = m.parseErrors[0].message;
    reports.push(r);
  }
  for (const l of project.lockfiles) {
    const r: FileReport = { path: l.path, kind: 'lockfile', format: l.format, parsed: l.parsed && l.parseErrors.length === 0 };
    if (l.lockfileVersion !== undefined) r.lockfileVersion = l.lockfileVersion;
    r.packages = countInstalledPackages(l);
    if (l.parseErrors.length) r.error = l.parseErrors[0].message;
    reports.push(r);
  }
  reports.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return reports;
}

/** Distinct name@version installed from a registry or tarball (workspaces and links excluded). */
export function countInstalledPackages(l: Lockfile): number {
  return lockfileIndex(l).installed;
}

interface LockfileIndex {
  /** The first entry of each name@version, in lockfile order. */
  byNameVersion: Map<string, LockedPackage>;
  /** Distinct name@version installed from a registry or tarball. */
  installed: number;
}

const lockfileIndexes = new WeakMap<Lockfile, LockfileIndex>();

/**
 * Built once per lockfile: a parsed lockfile never changes, and the language server keeps
 * it across scans (ParseCache), so a keystroke's rescan of a 3,000-entry lockfile does not
 * key every entry again, twice (file report and attribution).
 */
function lockfileIndex(l: Lockfile): LockfileIndex {
  let index = lockfileIndexes.get(l);
  if (index) return index;
  const byNameVersion = new Map<string, LockedPackage>();
  const installed = new Set<string>();
  for (const p of l.packages) {
    const key = `${p.name}@${p.version}`;
    if (!byNameVersion.has(key)) byNameVersion.set(key, p);
    if (p.source !== 'link' && p.source !== 'workspace' && p.source !== 'directory') installed.add(key);
  }
  index = { byNameVersion, installed: installed.size };
  lockfileIndexes.set(l, index);
  return index;
}
