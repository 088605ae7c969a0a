import type { Hover, MarkupContent } from 'vscode-languageserver';
import type { Finding, Severity } from '../engine/model';
import { SEVERITY_ORDER } from '../engine/model';
import { ruleDocUrl } from '../engine/rules/catalog';
import type { ScanResult } from '../engine/scan';
import { lockedDirectDependency } from '../engine/project';
import { hostOf } from '../engine/data/registry-client';
import { isRegistrySpecKind } from '../engine/manifest/spec';
import { advisoryKey, type Packument, type RemoteData } from '../engine/data/remote-data';
import { iocText, isReportable, npmReportUrl, type IocTexts } from './report-links';
import { advisoryUrl, codeSpan, destination, INLINE_MAX, isPackageName, link, MESSAGE_MAX, npmPackageUrl, repositoryLinkUrl, SCRIPT_MAX, text } from './markdown';
import { AUDIT_VERSION_COMMAND, COPY_IOC_BY_ID, MANAGE_TRUST } from './protocol';
import { AUDIT_OFFERED } from './background-audits';
import { isPlainVersion } from '../engine/text/untrusted';
import { packageCoverage, type CoverageContext, type PackageCoverage } from './coverage';
import { placesOf, type LockfileFindings } from './diagnostics';
import { auditKey } from '../engine/audit/audit-project';
import type { AuditResult } from '../engine/audit/model';
import { auditDiffLines, auditHeadline } from '../engine/rules/risk-signals';
import { MARK, SEVERITY_MARK } from './glyphs';
import { dependencyPaths } from './graph-view';
import { thousands } from '../engine/text/thousands';

/** How many recent versions the publisher history shows. */
const PUBLISHER_HISTORY = 5;
/** Caps on lists whose length an answer decides: the card stays a card. */
const MAX_EVIDENCE = 10;
const MAX_ADVISORIES = 10;
const MAX_VIA = 20;
/** Dependency paths a card or a report entry lists; "Why is this here?" lists them all. */
const MAX_PATHS = 3;

function contains(span: { start: number; end: number }, offset: number): boolean {
  return offset >= span.start && offset <= span.end;
}

/** What the card is about: the registry name, and the version installed (when one is known). */
interface Subject {
  name: string;
  version?: string;
  /** A package.json range with no lockfile: judged at what it resolves to today. */
  spec?: string;
  /** Registry packages only: links and registry facts make no sense for a workspace link or a folder. */
  fromRegistry: boolean;
}

export interface HoverOptions {
  now?: Date;
  /** Where "Copy IOC" links keep their text; without it the card has no such link. */
  iocs?: IocTexts;
  /** How the folder was checked; without it the card cannot say what was not checked. */
  coverage?: CoverageContext;
  /** Where lockfile findings are published (settings.lockfileFindings): a finding whose diagnostic is not here keeps its message in the card. Every place when absent. */
  lockfileFindings?: LockfileFindings;
  /** The hovered document's uri: with it, a card about a registry version with a finding about trust links "Audit this version" (the light bulb's action). */
  documentUri?: string;
}

// The command a "Copy IOC" link runs (it takes only an id, see IocTexts); defined with the protocol, which the client shares.
export { COPY_IOC_BY_ID };

/**
 * Markdown card for whatever dependency or lockfile entry sits at `offset` in `file`.
 *
 * VS Code shows the message of every diagnostic under the cursor above the card, so the
 * card does not say them again (`lockfileFindings` tells which places have a diagnostic): it leads with the verdict (the worst severity and the
 * rules that fired), then what the diagnostics do not say: the messages of findings that
 * are not under the cursor (a spec's finding while the name is hovered, a suppressed one),
 * their evidence once (duplicates collapsed), the dependency path once, report links;
 * then what the registry says about the installed version (who published it when, what
 * its install script runs, the dist-tag `latest` and the most recent publish, recent
 * publishers); then what was not checked for this package (offline, Restricted Mode, a
 * failed lookup, advisories off), so that no findings never reads as "clean" when the
 * checks did not run; then links. `remote` is the folder's last registry/advisory data.
 *
 * Everything in the card that came from the workspace or the network goes through
 * markdown.ts (`text`, `codeSpan`); links are to URLs built here. The client renders the
 * card as trusted Markdown (for "Copy IOC"), so this is what keeps a hostile name, spec or
 * registry answer from adding links, images or commands of its own.
 */
export function hoverAt(result: ScanResult, file: string, offset: number, remote?: RemoteData, options: HoverOptions = {}): Hover | null {
  const now = options.now ?? new Date();
  const project = result.project;
  const sections: string[] = [];
  let spanForHover: { start: number; end: number } | undefined;
  let subject: Subject | undefined;
  let via: Via | undefined;

  const manifest = project.manifests.find((m) => m.path === file);
  const dep = manifest?.dependencies.find((d) => contains(d.propertySpan, offset));
  if (manifest && dep) {
    const locked = lockedDirectDependency(project, manifest.path, dep.name);
    const parts = [`**${text(dep.name)}**`];
    if (dep.spec) parts.push(codeSpan(dep.spec));
    if (locked) parts.push(`locked at **${text(locked.version)}**`);
    parts.push(`_${text(dep.section)}_`);
    sections.push(parts.join(' · '));
    spanForHover = dep.propertySpan;
    const fromRegistry = isRegistrySpecKind(dep.kind) && (!locked || locked.source === 'registry');
    subject = { name: dep.aliasOf?.name || dep.name, version: locked?.version, spec: locked ? undefined : (dep.aliasOf?.spec ?? dep.spec), fromRegistry };
  }
  const lockfile = project.lockfiles.find((l) => l.path === file);
  if (lockfile && !dep) {
    const pkg = lockfile.packages.find((p) => contains(p.keySpan ?? p.span, offset));
    if (pkg) {
      sections.push(`**${text(pkg.name)}** · **${text(pkg.version)}**${pkg.realName ? ` (alias of ${text(pkg.realName)})` : ''} · _${text(pkg.source)}_`);
      via = { name: pkg.name, ...dependencyPaths(result, pkg.name, pkg.version || undefined) };
      spanForHover = pkg.keySpan ?? pkg.span;
      subject = { name: pkg.realName ?? pkg.name, version: pkg.version || undefined, fromRegistry: pkg.source === 'registry' };
    }
  }

  const all = dedupe(
    result.findings.filter(
      (f) =>
        (f.file === file && contains(f.span, offset)) ||
        (f.also ?? []).some((a) => a.file === file && contains(a.span, offset)) ||
        (spanForHover && f.file === file && f.span.start >= spanForHover.start && f.span.end <= spanForHover.end),
    ),
  ).sort((a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity]);
  // The file-wide "lookups incomplete" note sits on the first package of the file: it is
  // about all of them, and this card says what is missing for this package instead.
  const here = all.filter((f) => !FILE_WIDE.has(f.rule));
  if (here.length === 0 && sections.length === 0) return null;
  if (subject && !subject.version) subject.version = here.find((f) => f.package === subject!.name && f.version)?.version ?? undefined;

  const live = here.filter((f) => !f.suppressed);
  const coverage = subject?.fromRegistry && options.coverage ? packageCoverage(project, options.coverage, remote, subject.name, subject.version, subject.spec) : undefined;
  sections[0] += `  \n${verdict(live, here.length - live.length, coverage)}`;
  const packument = subject?.fromRegistry ? packumentOf(remote, subject.name) : undefined;
  // With the registry section below, evidence that only restates it (when published, the latest tag) goes.
  const restates = packument ? (e: string) => REGISTRY_FACT.test(e) : () => false;
  const mode = options.lockfileFindings ?? 'both';
  const shownByEditor = (f: Finding) => !f.suppressed && placesOf(f, mode).shown.some((p) => p.file === file && contains(p.span, offset));
  const body = renderFindings(here, shownByEditor, remote, via ?? viaOfFinding(result, live), restates);
  // One report line for the package, under its findings (not one per finding: the card stays short).
  const reportable = live.filter((f) => isReportable(f) && f.package === live.find(isReportable)?.package);
  const reportLine = reportable.length ? renderReportLinks(reportable, options.iocs) : undefined;
  const findingsSection = [body, reportLine].filter(Boolean).join('  \n');
  if (findingsSection) sections.push(findingsSection);

  const read = subject?.fromRegistry && subject.version ? remote?.audits?.get(auditKey(subject.name, subject.version)) : undefined;
  if (read) sections.push(renderPackageAudit(read));
  if (subject && packument) {
    const audit = renderAudit(packument, subject.version, now);
    if (audit) sections.push(audit);
  }
  if (coverage && (coverage.missing.length || coverage.off.length)) sections.push(renderCoverage(coverage));
  if (subject && subject.fromRegistry && isPackageName(subject.name)) {
    const audit = options.documentUri && live.some((f) => AUDIT_OFFERED.has(f.rule)) ? auditLink(options.documentUri, subject) : undefined;
    sections.push([renderLinks(subject, packument, here[0]?.rule), audit].filter(Boolean).join(' · '));
  }
  const contents: MarkupContent = { kind: 'markdown', value: sections.join('\n\n---\n\n') };
  return { contents };
}

/** Rules whose one finding speaks for a whole file: not a fact about the package it is shown on. */
const FILE_WIDE = new Set<Finding['rule']>(['lookup-incomplete']);

/**
 * The card's first words after the name: the worst severity and the rules that found it,
 * or "no findings" with how far that goes (every check, or only the ones that ran).
 */
function verdict(live: Finding[], suppressed: number, coverage: PackageCoverage | undefined): string {
  const quiet = suppressed ? ` (${suppressed} suppressed)` : '';
  if (live.length === 0) {
    if (coverage?.restricted) return `${MARK.restricted} **Restricted Mode**: only the local checks ran, and they found nothing${quiet}.`;
    if (coverage && (coverage.missing.length || coverage.off.length)) return `${MARK.notChecked} **No findings from the checks that ran**${quiet}: not known to be safe (see below what was not checked).`;
    return `${MARK.clean} **No findings**${quiet}.`;
  }
  const worst = live[0].severity;
  const rules = [...new Set(live.map((f) => f.rule))].map((r) => `[\`${r}\`](${destination(ruleDocUrl(r))})`);
  return `${SEVERITY_MARK[worst]} **${VERDICT[worst]}**: ${rules.join(' · ')}${quiet}`;
}

const VERDICT: Record<Severity, string> = { error: 'Risky: do not install as is', warning: 'Needs a look', info: 'Worth knowing', hint: 'Hint' };

/**
 * What the findings add to their diagnostics. A finding whose diagnostic is under the
 * cursor has its message shown by VS Code already: only its evidence goes here. Others
 * (a spec's finding while the name is hovered, a suppressed finding, which has no
 * diagnostic) keep their message. Evidence lines repeated across findings, or already in
 * a message, are shown once; the dependency path once for the card.
 */
function renderFindings(
  findings: Finding[],
  shownByEditor: (f: Finding) => boolean,
  remote: RemoteData | undefined,
  via: Via | undefined,
  restates: (evidence: string) => boolean,
): string | undefined {
  const lines: string[] = [];
  const said = new Set<string>();
  for (const f of findings) {
    if (!shownByEditor(f)) {
      const note = f.suppressed ? ` _(suppressed: ${text(f.suppressed.reason, MESSAGE_MAX)})_` : '';
      lines.push(`${SEVERITY_MARK[f.severity]} [\`${f.rule}\`](${destination(ruleDocUrl(f.rule))}): ${text(messageWithoutSubject(f), MESSAGE_MAX)}${note}`);
    }
    said.add(f.message);
  }
  let evidence = 0;
  for (const f of findings) {
    for (const e of f.evidence ?? []) {
      const line = relabel(e);
      if (said.has(line) || restates(e) || [...said].some((m) => m.includes(e))) continue;
      said.add(line);
      // Capped for the whole card: a finding built from a hostile answer could carry thousands of lines.
      if (++evidence > MAX_EVIDENCE) break;
      lines.push(`- ${text(line, MESSAGE_MAX)}`);
    }
    const advisories = advisoryLinks(f, remote);
    if (advisories && !said.has(advisories)) {
      said.add(advisories);
      lines.push(`advisories: ${advisories}`);
    }
  }
  if (via) lines.push(...viaLines(via));
  return lines.length ? lines.join('  \n') : undefined;
}

/** Evidence the registry section says too (in words): the publish time, the creation time, the latest tag. */
const REGISTRY_FACT = /^(?:published|created|(?:dist-tags\.)?latest): /;

/** Evidence labels that name registry facts the way the card's registry section does. */
function relabel(evidence: string): string {
  return evidence.replace(/^(?:dist-tags\.)?latest: /, 'dist-tag latest: ');
}

/** A message without its "name@version: " lead: the card's first line names the package. */
export function messageWithoutSubject(f: Pick<Finding, 'message' | 'package' | 'version'>): string {
  if (!f.package) return f.message;
  for (const lead of [f.version ? `${f.package}@${f.version}: ` : undefined, `${f.package}: `]) {
    if (lead && f.message.startsWith(lead)) return f.message.slice(lead.length);
  }
  return f.message;
}

/** What was not checked for this package, and why. */
function renderCoverage(c: PackageCoverage): string {
  if (c.restricted) return `${MARK.restricted} **Not checked**: the registry, advisories and malware feeds (Restricted Mode). [Manage workspace trust](command:${MANAGE_TRUST})`;
  return `${MARK.notChecked} **Not checked**  \n${[...c.missing, ...c.off].slice(0, MAX_EVIDENCE).map((m) => `- ${text(m, MESSAGE_MAX)}`).join('  \n')}`;
}

function packumentOf(remote: RemoteData | undefined, name: string): Packument | undefined {
  const lookup = remote?.packuments.get(name);
  return lookup?.status === 'ok' ? lookup.packument : undefined;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.rule}|${f.package}|${f.version}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The ways a package is pulled in: the dependency paths to it (names), and how many there are. */
export interface Via {
  name: string;
  paths: string[][];
  total: number;
}

/** The paths of the first finding that is about a package pulled in by another (its own path, if the graph has none). */
function viaOfFinding(result: ScanResult, findings: Finding[]): Via | undefined {
  const f = findings.find((x) => x.package && x.via && x.via.length > 1);
  if (!f) return undefined;
  const found = dependencyPaths(result, f.package!, f.version ?? undefined);
  return { name: f.package!, ...(found.paths.length ? found : { paths: [f.via!], total: 1 }) };
}

/**
 * "via a › b › c" for the first few paths (a direct dependency is declared, not pulled
 * in: its one-step path is left out), and how many more "Why is this here?" lists.
 */
export function viaLines(via: Via): string[] {
  const paths = via.paths.filter((p) => p.length > 1);
  if (paths.length === 0) return [];
  const lines = paths.slice(0, MAX_PATHS).map((p) => `via ${renderVia(p)}`);
  const more = paths.length - Math.min(paths.length, MAX_PATHS) + (via.total - via.paths.length);
  if (more > 0) lines.push(`and ${thousands(more)} more path${more === 1 ? '' : 's'}: "Why is ${text(via.name)} here?" lists them all`);
  return lines;
}

/** A dependency path, each package a code span; a very long one keeps its ends. */
function renderVia(via: string[]): string {
  const long = via.length > MAX_VIA;
  const parts = (long ? [...via.slice(0, 2), ...via.slice(-(MAX_VIA - 2))] : via).map((v) => codeSpan(v));
  if (long) parts.splice(2, 0, '…');
  return parts.join(' › ');
}

/** Advisory ids with links, for the advisory rules (the evidence holds only URLs or ids). */
function advisoryLinks(f: Finding, remote: RemoteData | undefined): string | undefined {
  if ((f.rule !== 'known-vulnerability' && f.rule !== 'known-malware') || !f.package || !f.version) return undefined;
  const lookup = remote?.advisories.get(advisoryKey(f.package, f.version));
  if (lookup?.status !== 'ok' || lookup.advisories.length === 0) return undefined;
  return lookup.advisories
    .slice(0, MAX_ADVISORIES)
    .map((a) => `${link(a.id, advisoryUrl(a.id, a.url))}${a.severity !== 'unknown' ? ` (${text(a.severity)})` : ''}`)
    .join(', ');
}

/**
 * "Report <name> to npm" (npm's malware form, for a name npm could have) and "Copy IOC"
 * (a command link, so it carries only an id: see IocTexts and the client's copyIocById).
 */
function renderReportLinks(findings: Finding[], iocs: IocTexts | undefined): string | undefined {
  const f = findings[0];
  const links: string[] = [];
  if (isPackageName(f.package)) links.push(link(`Report ${f.package} to npm`, npmReportUrl(f.package, f.version)));
  if (iocs) links.push(`[Copy IOC](command:${COPY_IOC_BY_ID}?${encodeURIComponent(JSON.stringify([iocs.put(iocText(findings))]))})`);
  return links.length ? `${MARK.report} ${links.join(' · ')}` : undefined;
}

/**
 * What reading the version's tarball found (package audit), and what it changed at install
 * time since the release before: the scripts and install-time files added or changed,
 * then the file counts. Everything from the package goes through text().
 */
function renderPackageAudit(result: AuditResult): string {
  const lines = [`${MARK.audit} **Published code audited**: ${text(auditHeadline(result), MESSAGE_MAX)}`];
  if (result.status === 'ok') {
    const changes = auditDiffLines(result);
    for (const line of changes.slice(0, MAX_EVIDENCE)) lines.push(`- ${text(line, MESSAGE_MAX)}`);
    if (changes.length > MAX_EVIDENCE) lines.push(`- ${changes.length - MAX_EVIDENCE} more`);
  }
  return lines.join('  \n');
}

/**
 * Registry facts for an audit: when and by whom the version was published, its install
 * scripts, the dist-tag `latest` and the most recent publish (named apart: they differ
 * when a maintainer publishes an old line, or an attacker a new version without the tag),
 * recent publishers.
 */
function renderAudit(p: Packument, version: string | undefined, now: Date): string | undefined {
  const lines: string[] = [];
  const info = version ? p.version(version) : undefined;
  const published = version ? p.time(version) : undefined;
  if (version && published) {
    const by = info?.publisher ? ` by **${text(info.publisher)}**` : '';
    lines.push(`**${text(version)}** published ${when(published, now)}${by}`);
  } else if (version && !info) {
    lines.push(`**${text(version)}** is not on the registry.`);
  }
  for (const [hook, script] of Object.entries(info?.scripts ?? {})) lines.push(`install script ${codeSpan(hook, 40)} runs ${codeSpan(script, SCRIPT_MAX)}`);
  const releases = releasesByTime(p);
  const last = releases.at(-1);
  const tagged = typeof p.distTags.latest === 'string' ? p.distTags.latest : undefined;
  if (last && tagged === last.version) lines.push(`dist-tag \`latest\`: **${text(tagged)}**, also the most recent publish, ${when(last.time, now)}`);
  else {
    const parts: string[] = [];
    if (tagged) parts.push(`dist-tag \`latest\`: **${text(tagged)}**`);
    if (last) parts.push(`most recent publish: **${text(last.version)}**, ${when(last.time, now)}`);
    if (parts.length) lines.push(parts.join(' · '));
  }
  const recent = releases.slice(-PUBLISHER_HISTORY);
  const publishers = recent.map((r) => p.version(r.version)?.publisher);
  if (publishers.some(Boolean)) {
    const history = recent.map((r, i) => {
      const who = publishers[i];
      return `${text(r.version)} ${who ? text(who) : '?'}`;
    });
    lines.push(`publishers of recent versions: ${history.join(' · ')}`);
  }
  return lines.length ? lines.join('  \n') : undefined;
}

/** Versions still served, oldest first by publish time. */
function releasesByTime(p: Packument): { version: string; time: string }[] {
  const out: { version: string; time: string }[] = [];
  for (const version of p.versionNames) {
    const time = p.time(version);
    if (version === 'created' || version === 'modified' || time === undefined || Number.isNaN(Date.parse(time))) continue;
    out.push({ version, time });
  }
  return out.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** npm's pages of a valid name, the repository when it is on a host we know, the rule docs. */
function renderLinks(s: Subject, p: Packument | undefined, rule: Finding['rule'] | undefined): string {
  const links = [link('npm', npmPackageUrl(s.name)!)];
  const versionPage = s.version ? npmPackageUrl(s.name, s.version) : undefined;
  if (versionPage) links.push(link(`published files of ${s.version}`, `${versionPage}?activeTab=code`));
  const info = s.version ? p?.version(s.version) : undefined;
  const claimed = info?.repositoryUrl ?? (p ? latestRepositoryUrl(p) : undefined);
  const repo = repositoryLinkUrl(claimed);
  if (repo) {
    links.push(`${link('repository', repo)} (${text(hostOf(repo) ?? '')}, as the package claims)`);
    const own = repositoryLinkUrl(info?.repositoryUrl);
    if (own && info?.gitHead && /^[0-9a-f]{7,40}$/.test(info.gitHead)) links.push(link(`at the published commit ${info.gitHead.slice(0, 7)}`, commitUrl(own, info.gitHead)));
  } else if (claimed) {
    // Not a link: an unknown host (or an odd URL) is the package's word only.
    links.push(`repository ${codeSpan(claimed, INLINE_MAX)} (not linked: not a repository URL depwarden can check)`);
  }
  links.push(link('rule docs', ruleDocUrl(rule ?? 'typosquat').replace(/[^/]+\.md$/, '')));
  return links.join(' · ');
}

/**
 * "Audit this version": runs the light bulb's command with the same arguments (the server
 * checks them again). Only for a plain name and version; everything in the link target is
 * percent-encoded, parentheses included, so nothing in the uri can end the link.
 */
function auditLink(uri: string, s: Subject): string | undefined {
  if (!isPackageName(s.name) || !isPlainVersion(s.version)) return undefined;
  const args = encodeURIComponent(JSON.stringify([uri, s.name, s.version])).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[Audit this version](command:${AUDIT_VERSION_COMMAND}?${args})`;
}

function latestRepositoryUrl(p: Packument): string | undefined {
  const latest = p.distTags.latest;
  return latest ? p.version(latest)?.repositoryUrl : undefined;
}

/** The repository's tree at a commit, in the URL form of the big hosts (GitHub's elsewhere). */
export function commitUrl(repositoryUrl: string, sha: string): string {
  const host = hostOf(repositoryUrl);
  if (host === 'gitlab.com') return `${repositoryUrl}/-/tree/${sha}`;
  if (host === 'bitbucket.org') return `${repositoryUrl}/src/${sha}`;
  return `${repositoryUrl}/tree/${sha}`;
}

/** "3 days ago (2026-11-25 14:02 UTC)". */
export function when(iso: string, now: Date): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return text(iso);
  const absolute = new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `${relative(now.getTime() - t)} (${absolute})`;
}

function relative(ms: number): string {
  if (ms < 0) return 'in the future';
  const minutes = Math.floor(ms / 60_000);
  const unit = (n: number, u: string) => `${n} ${u}${n === 1 ? '' : 's'} ago`;
  if (minutes < 1) return 'just now';
  if (minutes < 60) return unit(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return unit(hours, 'hour');
  const days = Math.floor(hours / 24);
  if (days < 60) return unit(days, 'day');
  if (days < 730) return unit(Math.floor(days / 30.44), 'month');
  return unit(Math.floor(days / 365.25), 'year');
}


