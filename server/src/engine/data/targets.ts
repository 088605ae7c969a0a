/**
 * Which name@version each remote rule judges, and where its finding goes.
 *
 * The same function serves the fetch (what to ask for) and the rules (what came back),
 * so that a package added after the fetch is reported as not looked up rather than
 * silently skipped. Lockfile entries are judged at their locked version; a package.json
 * without a lockfile is judged at the version its range resolves to on the registry today.
 */
import semver from 'semver';
import type { Dependency, LockedPackage, Lockfile, Manifest, Settings, Span } from '../model';
import type { Report } from '../rules/context';
import { lockfileForManifest, type Project } from '../project';
import type { Advisory, Packument, PackumentLookup, RemoteData, VersionInfo } from './remote-data';
import { advisoryKey } from './remote-data';
import { advisoryRoute, hostOf, registryForName } from './registry-client';
import { describeFeed } from './malware-feed';
import { isPlainVersion } from '../text/untrusted';
import { compareReleaseParts, isValidVersion, plainReleaseParts, type ReleaseParts } from '../text/version';
import { isRegistrySpecKind } from '../manifest/spec';

export interface PackageTarget {
  file: string;
  /** The real registry name (an alias's target). */
  name: string;
  /** The name as installed or declared (differs for aliases). */
  displayName: string;
  /** The locked version (lockfile targets). */
  lockedVersion?: string;
  /** The spec to resolve on the registry (package.json targets). */
  spec?: string;
  /** Where a finding about the package goes. */
  span: Span;
  /** Where a finding about the chosen version goes (the spec in package.json). */
  versionSpan: Span;
  via: string[];
  lockfile?: Lockfile;
  locked?: LockedPackage;
  manifest?: Manifest;
  dependency?: Dependency;
}

const MANIFEST_SECTIONS = new Set(['dependencies', 'devDependencies', 'optionalDependencies']);

/** Names of the project's own packages (workspaces): linked, never fetched. */
export function workspaceNames(project: Project): Set<string> {
  return new Set(project.manifests.map((m) => m.name).filter((n): n is string => !!n));
}

/**
 * The project's targets, collected once per project: the download step asks for them and
 * then the scan's rules do (a project is not changed once built).
 */
export function collectTargets(project: Project): PackageTarget[] {
  let targets = targetsOf.get(project);
  if (!targets) targetsOf.set(project, (targets = collectTargetsOnce(project)));
  return targets;
}

const targetsOf = new WeakMap<Project, PackageTarget[]>();

function collectTargetsOnce(project: Project): PackageTarget[] {
  const targets: PackageTarget[] = [];
  for (const lockfile of project.lockfiles) {
    const graph = project.graphs.get(lockfile.path);
    const seen = new Set<string>();
    for (const p of lockfile.packages) {
      if (p.source !== 'registry' || !isValidVersion(p.version)) continue;
      const name = p.realName ?? p.name;
      const key = `${name}@${p.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const span = p.keySpan ?? p.span;
      targets.push({
        file: lockfile.path,
        name,
        displayName: p.name,
        lockedVersion: p.version,
        span,
        versionSpan: span,
        via: graph?.via(p.id) ?? [p.name],
        lockfile,
        locked: p,
      });
    }
  }
  const own = workspaceNames(project);
  for (const manifest of project.manifests) {
    if (lockfileForManifest(project, manifest.path)) continue;
    for (const dep of manifest.dependencies) {
      if (dep.duplicate || !MANIFEST_SECTIONS.has(dep.section) || !isRegistrySpecKind(dep.kind)) continue;
      if (own.has(dep.name)) continue;
      const name = dep.kind === 'alias' ? dep.aliasOf?.name : dep.name;
      const spec = dep.kind === 'alias' ? dep.aliasOf?.spec : dep.spec;
      if (!name || spec === undefined) continue;
      targets.push({
        file: manifest.path,
        name,
        displayName: dep.name,
        spec,
        span: dep.nameSpan,
        versionSpan: dep.specSpan ?? dep.nameSpan,
        via: [dep.name],
        manifest,
        dependency: dep,
      });
    }
  }
  return targets;
}

/**
 * The version npm would pick for a spec today: the `latest` tag when it satisfies the
 * range, else the highest satisfying version, preferring ones not deprecated.
 */
export function resolveSpec(packument: Packument, spec: string): string | undefined {
  const versions = packument.versionNames;
  const trimmed = spec.trim();
  // Own keys only: the spec and the tags are untrusted, and a spec "constructor" must not
  // resolve to Object.prototype.constructor (a function where a version belongs, which
  // then went to the advisory service as a query without a version: every advisory of
  // the package came back).
  // A dist-tag names a version only when its value is one: a registry answer can put a
  // URL or a range there, which must never become "the version" of a message or a pin.
  const tag = (name: string) => {
    const v = ownString(packument.distTags, name);
    return isPlainVersion(v) ? v : undefined;
  };
  const served = (v: string | undefined): v is string => v !== undefined && packument.hasVersion(v);
  if (trimmed === '' || trimmed === '*' || trimmed === 'x') return tag('latest') ?? semver.maxSatisfying(versions, '*') ?? undefined;
  if (semver.valid(trimmed)) {
    const clean = semver.clean(trimmed)!;
    return served(clean) ? clean : undefined;
  }
  if (semver.validRange(trimmed, { loose: true }) === null) return tag(trimmed);
  const latest = tag('latest');
  if (served(latest) && semver.satisfies(latest, trimmed, { loose: true })) return latest;
  const live = versions.filter((v) => !packument.version(v)!.deprecated);
  return semver.maxSatisfying(live, trimmed, { loose: true }) ?? semver.maxSatisfying(versions, trimmed, { loose: true }) ?? undefined;
}

export interface EvaluatedTarget extends PackageTarget {
  /** The locked version, or the one the spec resolves to (undefined when unknown). */
  version?: string;
  lookup?: PackumentLookup;
  packument?: Packument;
  /** The version's registry document, when the registry serves it. */
  info?: VersionInfo;
  /** Advisories for name@version; undefined when they are not known. */
  advisories?: Advisory[];
  /** The private registry the name belongs to (never sent to public services). */
  privateRegistry?: string;
  /** Why remote data is incomplete for this target ('registry: timeout', ...); empty when complete. */
  missing: string[];
}

/**
 * Targets joined with the remote data. Rules read them from ScanData.targets, which
 * computes them once per scan.
 */
export function evaluateTargets(project: Project, settings: Settings, remote: RemoteData): EvaluatedTarget[] {
  return collectTargets(project).map((t) => evaluateTarget(project, settings, remote, t));
}

export function evaluateTarget(project: Project, settings: Settings, remote: RemoteData, t: PackageTarget): EvaluatedTarget {
  const route = advisoryRoute(project.npmrc, t.name, settings);
  const lookup = remote.packuments.get(t.name);
  // Every field in one literal, the same for every target: the copy of the target plus
  // fields added one by one gave each object its own chain of shapes, and those additions
  // were most of a rescan's time here (sentry: 30 of ~200 ms per rescan, with data).
  const out: EvaluatedTarget = {
    file: t.file,
    name: t.name,
    displayName: t.displayName,
    lockedVersion: t.lockedVersion,
    spec: t.spec,
    span: t.span,
    versionSpan: t.versionSpan,
    via: t.via,
    lockfile: t.lockfile,
    locked: t.locked,
    manifest: t.manifest,
    dependency: t.dependency,
    version: t.lockedVersion,
    lookup,
    packument: undefined,
    info: undefined,
    advisories: undefined,
    privateRegistry: route !== 'public' ? registryForName(project.npmrc, t.name, settings.registry) : undefined,
    missing: [],
  };
  if (!lookup) {
    if (!remote.pending?.names.has(t.name)) out.missing.push('registry: not looked up yet');
  }
  else if (lookup.status === 'error') out.missing.push(`registry: ${lookup.reason}`);
  else if (lookup.status === 'ok') {
    out.packument = lookup.packument;
    if (out.version === undefined && t.spec !== undefined) out.version = resolveSpec(lookup.packument, t.spec);
    if (out.version !== undefined) out.info = lookup.packument.version(out.version);
    // Offline, a cached packument older than the lockfile cannot tell "removed" from "newer".
    if (t.lockedVersion !== undefined && !out.info && lookup.fromCache && remote.offline) out.missing.push('registry: offline (cached data predates this version)');
  }
  if (out.version !== undefined && remote.advisoriesEnabled && route === 'private-registry') {
    // Never read as "no advisories": the name was not asked about at all (see advisoryRoute).
    out.missing.push(`advisories: not asked, names from ${hostOf(out.privateRegistry!) ?? 'a private registry'} are not sent to the public advisory service`);
  } else if (out.version !== undefined && remote.advisoriesEnabled && route === 'public') {
    const adv = remote.advisories.get(advisoryKey(t.name, out.version));
    if (!adv) {
      if (!remote.pending?.advisories.has(advisoryKey(t.name, out.version))) out.missing.push(remote.offline ? 'advisories: offline' : 'advisories: not looked up yet');
    }
    else if (adv.status === 'error') out.missing.push(`advisories: ${adv.reason}`);
    else out.advisories = adv.advisories;
  }
  // A feed that could not be read (and has no cached copy) checked nothing.
  for (const feed of remote.malwareFeeds ?? []) if (feed.status === 'error') out.missing.push(`malware feed ${describeFeed(feed.url)}: ${feed.reason}`);
  return out;
}

function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function ownString(record: Record<string, string>, key: string): string | undefined {
  const v = ownValue(record, key);
  return typeof v === 'string' ? v : undefined;
}

/** The release before a version: the highest lower version (prereleases only compared with prereleases). */
export function previousRelease(packument: Packument, version: string): VersionInfo | undefined {
  let answers = previousReleases.get(packument);
  if (!answers) previousReleases.set(packument, (answers = new Map()));
  let previous = answers.get(version);
  if (previous === undefined && !answers.has(version)) answers.set(version, (previous = findPreviousRelease(packument, version)));
  return previous === undefined ? undefined : packument.version(previous);
}

/**
 * Per packument, the answers given so far: every scan while lookups land asks for the
 * release before each locked version again, and semver-parsing every version each time was
 * most of a re-scan's time on a monorepo. Answers, not an index of every version: an index
 * of parsed versions (a SemVer object and two arrays per version) was a quarter of the
 * language server's heap with sentry open (218k versions, 45 MB), for the one or two
 * versions per package that are ever asked about. A landed packument is never changed in
 * place, so an answer stays right for its object.
 */
const previousReleases = new WeakMap<Packument, Map<string, string | undefined>>();

/**
 * One pass over the versions; of several that compare equal (build metadata), the first in
 * the packument's order. Plain `x.y.z` versions, nearly all of them, are compared as three
 * numbers: semver-parsing each of a packument's versions (hundreds for many packages) was
 * most of a warm offline scan's rule time. The rest (prereleases, build metadata, `v1.2.3`)
 * go through semver as before.
 */
function findPreviousRelease(packument: Packument, version: string): string | undefined {
  // The asked version is plain too, nearly always (a locked release): parsed only if not.
  const plainAsked = plainReleaseParts(version);
  let parsedAsked = plainAsked ? undefined : semver.parse(version) ?? undefined;
  const asked = plainAsked ?? (parsedAsked && ([parsedAsked.major, parsedAsked.minor, parsedAsked.patch] as const));
  if (!asked) return undefined;
  const prerelease = parsedAsked !== undefined && parsedAsked.prerelease.length > 0;
  let best: Candidate | undefined;
  for (const v of packument.versionNames) {
    const triple = plainReleaseParts(v);
    let candidate: Candidate;
    if (triple) {
      // A plain version is below the asked one exactly when its numbers are (a prerelease
      // of the same numbers is below the plain version).
      if (compareReleaseParts(triple, asked) >= 0) continue;
      candidate = { raw: v, triple };
    } else {
      // A release is never preceded by a prerelease: those (typescript has thousands) are
      // skipped unparsed. A '-' before any '+' can only open a prerelease tag (or make the
      // string no version at all, which is skipped too).
      if (!prerelease && isPrereleaseShaped(v)) continue;
      // Numbers above the asked ones, or below the best so far, lose whatever their tags
      // say: skipped unparsed too (asked about a prerelease, every prerelease was parsed).
      const numbers = releasePrefix(v);
      if (numbers && (compareReleaseParts(numbers, asked) > 0 || (best && compareReleaseParts(numbers, partsOf(best)) < 0))) continue;
      const parsed = semver.parse(v);
      if (!parsed || (!prerelease && parsed.prerelease.length > 0)) continue;
      parsedAsked ??= semver.parse(version)!;
      if (parsed.compare(parsedAsked) >= 0) continue;
      candidate = { raw: v, parsed };
    }
    if (!best || compareCandidates(candidate, best) > 0) best = candidate;
  }
  return best?.raw;
}

interface Candidate {
  raw: string;
  triple?: ReleaseParts;
  parsed?: semver.SemVer;
}

/** The release numbers of a candidate. */
function partsOf(c: Candidate): ReleaseParts {
  return c.triple ?? [c.parsed!.major, c.parsed!.minor, c.parsed!.patch];
}

/**
 * major.minor.patch at the start of `v` when a prerelease tag or build metadata follows
 * (`1.2.3-rc.1`, `1.2.3+b`), read as plainReleaseParts reads a plain version; undefined
 * otherwise. Where `v` is a version, they are semver's major, minor and patch.
 */
function releasePrefix(v: string): ReleaseParts | undefined {
  const dash = v.indexOf('-');
  const plus = v.indexOf('+');
  const end = dash === -1 ? plus : plus === -1 ? dash : Math.min(dash, plus);
  return end > 0 ? plainReleaseParts(v.slice(0, end)) : undefined;
}

function isPrereleaseShaped(v: string): boolean {
  const dash = v.indexOf('-');
  const plus = v.indexOf('+');
  return dash !== -1 && (plus === -1 || dash < plus);
}

function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.triple && b.triple) return compareReleaseParts(a.triple, b.triple);
  a.parsed ??= semver.parse(a.raw)!;
  b.parsed ??= semver.parse(b.raw)!;
  return a.parsed.compare(b.parsed);
}

/** A finding on a target: on the lockfile entry, or on the package.json dependency. */
export function targetReport(t: EvaluatedTarget, message: string, extra: Partial<Pick<Report, 'fixes' | 'evidence' | 'span' | 'severity'>> = {}): Report {
  return { message, file: t.file, package: t.displayName, version: t.version ?? null, via: t.via, ...extra, span: extra.span ?? t.span };
}

/** "name@version", or "name" alone when the version is unknown; aliases say what they point to. */
export function describeTarget(t: EvaluatedTarget): string {
  const id = t.version ? `${t.name}@${t.version}` : t.name;
  return t.displayName !== t.name ? `${t.displayName} (${id})` : id;
}

const PLACEHOLDER = /^0\.0\.\d+-security(\.\d+)?$/;

/** npm's security placeholder: every version (or the latest) is `0.0.x-security`. */
export function isSecurityPlaceholder(p: Packument): boolean {
  let placeholder = placeholders.get(p);
  if (placeholder === undefined) {
    placeholder = everyVersionIsPlaceholder(p) || PLACEHOLDER.test(p.distTags.latest ?? '');
    placeholders.set(p, placeholder);
  }
  return placeholder;
}

/** Stops at the first real version (without listing every version first: thousands for some packages). */
function everyVersionIsPlaceholder(p: Packument): boolean {
  let any = false;
  for (const v of p.versionNames) {
    if (!PLACEHOLDER.test(v)) return false;
    any = true;
  }
  return any;
}

/** Per packument (see previousReleases): asked by two rules for every target on every scan. */
const placeholders = new WeakMap<Packument, boolean>();

/** How many distinct packages lack registry or advisory data (the CLI summary's lookupsIncomplete), of a scan's targets (ScanResult.targets). */
export function countIncompletePackages(targets: readonly EvaluatedTarget[]): number {
  const missing = new Set<string>();
  for (const t of targets) if (t.missing.length) missing.add(`${t.name}@${t.version ?? t.spec ?? ''}`);
  return missing.size;
}
