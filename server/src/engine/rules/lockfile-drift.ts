import semver from 'semver';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { Dependency, DependencySection, Importer, Lockfile, Manifest, Span } from '../model';
import { defineRule, type Report } from './context';
import { dirname, lockfileForManifest, type Project } from '../project';
import { profileOf, recordsDirectDependencies } from '../lockfile/profiles';
import { rangeCheckMemo } from './range-check-memo';

const INSTALLED_SECTIONS: DependencySection[] = ['dependencies', 'devDependencies', 'optionalDependencies'];
const DECLARING_SECTIONS: DependencySection[] = [...INSTALLED_SECTIONS, 'peerDependencies'];
/** Spec kinds a semver comparison means something for. */
const SEMVER_KINDS = new Set(['version', 'range', 'alias']);

/**
 * When package.json and the lockfile disagree, the lockfile someone reviewed is not what
 * gets installed: `npm install` quietly re-resolves (taking whatever is newest, hijacked
 * releases included) and `npm ci` refuses to run.
 */
export const lockfileDrift = defineRule({
  id: 'lockfile-drift',
  summary: 'The lockfile and package.json disagree.',
  severity: 'warning',
  data: ['local'],
  fixes: [],
  check({ project, report }) {
    const workspaces = new Map<Lockfile, Set<string>>();
    const workspacesOf = (l: Lockfile) => workspaces.get(l) ?? workspaces.set(l, workspaceNames(project, l)).get(l)!;
    const satisfies = rangeCheckMemo(satisfiesRange);
    for (const m of project.manifests) {
      // Nor a partly read package.json: a string left open or a merge conflict makes the
      // parser lose or invent entries, and drift would then be claimed for dependencies
      // that are still declared. unparsed-file says the file needs fixing first.
      if (m.parseErrors.length > 0) continue;
      const lockfile = lockfileForManifest(project, m.path);
      // A partly read lockfile would make every unread entry look missing; unparsed-file reports it.
      if (!lockfile || !lockfile.parsed) continue;
      const importerPath = importerPathOf(lockfile, m.path);
      const importer = lockfile.importers.find((i) => i.path === importerPath);
      if (!importer) continue;
      for (const f of driftOfManifest(project, m, lockfile, importer, workspacesOf, satisfies)) report(f);
    }
  },
});

function importerPathOf(lockfile: Lockfile, manifestPath: string): string {
  const lockDir = dirname(lockfile.path);
  const manifestDir = dirname(manifestPath);
  return lockDir === '' ? manifestDir : manifestDir === lockDir ? '' : manifestDir.slice(lockDir.length + 1);
}

function driftOfManifest(
  project: Project,
  m: Manifest,
  lockfile: Lockfile,
  importer: Importer,
  workspacesOf: (l: Lockfile) => Set<string>,
  satisfies: (version: string, range: string) => boolean,
): Report[] {
  const findings: Report[] = [];
  const byId = project.graphs.get(lockfile.path)?.byId;
  const locked = new Map(importer.dependencies.map((d) => [d.name, d]));
  for (const dep of m.dependencies) {
    if (!INSTALLED_SECTIONS.includes(dep.section) || dep.duplicate || dep.spec.trim() === '') continue;
    const entry = locked.get(dep.name);
    // yarn classic importers are built from package.json (project.ts): an entry there
    // without an id means no "name@spec" descriptor in yarn.lock matched.
    if (!entry || (entry.id === undefined && profileOf(lockfile).records.importersFromManifests)) {
      // yarn classic links a sibling workspace without writing it to yarn.lock.
      if (workspacesOf(lockfile).has(dep.name)) continue;
      findings.push(finding(m, dep, dep.nameSpan, null,
        `"${dep.name}" (${dep.section}) is not in ${lockfile.path}: the next install resolves it afresh, outside the reviewed lockfile. Run the install again and commit the lockfile.`));
      continue;
    }
    const pkg = entry.id ? byId?.get(entry.id) : undefined;
    if (!pkg || !SEMVER_KINDS.has(dep.kind)) continue;
    const also = [{ file: lockfile.path, span: pkg.keySpan ?? pkg.span }];
    const span = dep.specSpan ?? dep.nameSpan;
    const wantName = dep.kind === 'alias' ? dep.aliasOf!.name : dep.name;
    const gotName = pkg.realName ?? pkg.name;
    if (wantName && gotName !== wantName) {
      findings.push({ ...finding(m, dep, span, pkg.version,
        `"${dep.name}": "${dep.spec}" asks for ${wantName}, but ${lockfile.path} locks ${gotName}@${pkg.version} under this name.`), also });
      continue;
    }
    const range = dep.kind === 'alias' ? dep.aliasOf!.spec : dep.spec;
    if (satisfies(pkg.version, range)) continue;
    findings.push({ ...finding(m, dep, span, pkg.version,
      `"${dep.name}": "${dep.spec}" does not accept the locked version ${pkg.version} (${lockfile.path}): the lockfile is out of date, and the next install will resolve something else.`), also });
  }
  if (recordsDirectDependencies(lockfile)) {
    const declared = new Set(m.dependencies.filter((d) => DECLARING_SECTIONS.includes(d.section)).map((d) => d.name));
    let sectionSpans: ((section: string | undefined) => Span) | undefined;
    for (const entry of importer.dependencies) {
      if (declared.has(entry.name) || entry.section === 'peerDependencies') continue;
      sectionSpans ??= sectionKeySpans(project, m);
      const version = entry.id ? byId?.get(entry.id)?.version ?? null : null;
      findings.push({
        message: `${lockfile.path} still locks "${entry.name}"${entry.spec ? ` (${entry.spec})` : ''} for ${m.path}, which no longer declares it: the lockfile is out of date. Run the install again and commit the lockfile.`,
        file: m.path,
        span: sectionSpans(entry.section),
        package: entry.name,
        version,
        via: [entry.name],
      });
    }
  }
  return findings;
}

const PLAIN_VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
const SIMPLE_RANGE = /^([~^]|=?)v?(\d+)\.(\d+)\.(\d+)$/;

/**
 * True when the version satisfies the range, or when either is not semver (nothing to
 * compare). Plain `1.2.3` / `^1.2.3` / `~1.2.3` against a release version are most of
 * every package.json and are decided here directly; semver's Range parsing dominated
 * this rule's time on large monorepos.
 */
export function satisfiesRange(version: string, range: string): boolean {
  const v = PLAIN_VERSION.exec(version);
  const r = v ? SIMPLE_RANGE.exec(range.trim()) : null;
  if (v && r) {
    const [vMaj, vMin, vPat] = [Number(v[1]), Number(v[2]), Number(v[3])];
    const [op, rMaj, rMin, rPat] = [r[1], Number(r[2]), Number(r[3]), Number(r[4])];
    const atLeast = vMaj > rMaj || (vMaj === rMaj && (vMin > rMin || (vMin === rMin && vPat >= rPat)));
    if (op === '' || op === '=') return vMaj === rMaj && vMin === rMin && vPat === rPat;
    if (!atLeast) return false;
    if (op === '~') return vMaj === rMaj && vMin === rMin;
    // ^: the left-most non-zero part is fixed.
    if (rMaj > 0) return vMaj === rMaj;
    if (rMin > 0) return vMaj === 0 && vMin === rMin;
    return vMaj === 0 && vMin === 0 && vPat === rPat;
  }
  if (semver.validRange(range, { loose: true }) === null || semver.valid(version, { loose: true }) === null) return true;
  return semver.satisfies(version, range, { loose: true, includePrerelease: true });
}

/** Names of the packages in the folders a lockfile governs (its workspaces). */
function workspaceNames(project: Project, lockfile: Lockfile): Set<string> {
  const names = new Set<string>();
  for (const m of project.manifests) {
    if (m.name && lockfileForManifest(project, m.path) === lockfile) names.add(m.name);
  }
  return names;
}

function finding(m: Manifest, dep: Dependency, span: Span, version: string | null, message: string): Report {
  return {
    message,
    file: m.path,
    span,
    package: dep.name,
    version,
    via: [dep.name],
    fixes: [],
  };
}

/** The key of a section ("devDependencies") in package.json, else the start of the file. */
function sectionKeySpans(project: Project, m: Manifest): (section: string | undefined) => Span {
  const text = project.texts.get(m.path);
  const root = text === undefined ? undefined : parseTree(text);
  return (section) => {
    const node = root && section ? findNodeAtLocation(root, [section]) : undefined;
    const key = node?.parent?.children?.[0];
    // Failing that, the opening brace: a zero-length range at 0 would be easy to miss.
    return key ? { start: key.offset, end: key.offset + key.length } : { start: 0, end: text ? 1 : 0 };
  };
}
