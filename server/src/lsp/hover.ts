import type { Hover, MarkupContent } from 'vscode-languageserver';
import type { Finding, Severity } from '../engine/model';
import { SEVERITY_ORDER } from '../engine/model';
import { ruleDocUrl } from '../engine/rules/catalog';
import type { ScanResult } from '../engine/scan';
import { lockedDirectDependency } from '../engine/project';
import { advisoryKey, type Packument, type RemoteData } from '../engine/data/remote-data';
import { iocText, isReportable, npmReportUrl } from './report-links';

const ICON: Record<Severity, string> = { error: '🛑', warning: '⚠️', info: 'ℹ️', hint: '💡' };
/** How many recent versions the publisher history shows. */
const PUBLISHER_HISTORY = 5;

function contains(span: { start: number; end: number }, offset: number): boolean {
  return offset >= span.start && offset <= span.end;
}

/** What the card is about: the registry name, and the version installed (when one is known). */
interface Subject {
  name: string;
  version?: string;
  /** Registry packages only: links and registry facts make no sense for a workspace link or a folder. */
  fromRegistry: boolean;
}

/**
 * Markdown card for whatever dependency or lockfile entry sits at `offset` in `file`.
 * Sections, most important first: what it is, the findings (with report links), what
 * the registry says about the installed version (when, by whom, install scripts, the
 * latest release, recent publishers), then links. `remote` is the folder's last
 * registry/advisory data; without it the card has no registry section.
 */
export function hoverAt(result: ScanResult, file: string, offset: number, remote?: RemoteData, now: Date = new Date()): Hover | null {
  const project = result.project;
  const sections: string[] = [];
  let spanForHover: { start: number; end: number } | undefined;
  let subject: Subject | undefined;

  const manifest = project.manifests.find((m) => m.path === file);
  const dep = manifest?.dependencies.find((d) => contains(d.propertySpan, offset));
  if (manifest && dep) {
    const locked = lockedDirectDependency(project, manifest.path, dep.name);
    const parts = [`**${escapeMarkdown(dep.name)}**`];
    if (dep.spec) parts.push(code(dep.spec));
    if (locked) parts.push(`locked at **${escapeMarkdown(locked.version)}**`);
    parts.push(`_${dep.section}_`);
    sections.push(parts.join(' · '));
    spanForHover = dep.propertySpan;
    const registryKinds = ['version', 'range', 'tag', 'alias'];
    subject = { name: dep.aliasOf?.name || dep.name, version: locked?.version, fromRegistry: registryKinds.includes(dep.kind) && (!locked || locked.source === 'registry') };
  }
  const lockfile = project.lockfiles.find((l) => l.path === file);
  if (lockfile && !dep) {
    const pkg = lockfile.packages.find((p) => contains(p.keySpan ?? p.span, offset));
    if (pkg) {
      const graph = project.graphs.get(lockfile.path);
      sections.push(`**${escapeMarkdown(pkg.name)}** · **${escapeMarkdown(pkg.version)}**${pkg.realName ? ` (alias of ${escapeMarkdown(pkg.realName)})` : ''} · _${pkg.source}_`);
      const via = graph?.via(pkg.id);
      if (via && via.length > 1) sections.push(`via ${via.map(code).join(' › ')}`);
      spanForHover = pkg.keySpan ?? pkg.span;
      subject = { name: pkg.realName ?? pkg.name, version: pkg.version || undefined, fromRegistry: pkg.source === 'registry' };
    }
  }

  const here = dedupe(
    result.findings.filter(
      (f) =>
        (f.file === file && contains(f.span, offset)) ||
        (f.also ?? []).some((a) => a.file === file && contains(a.span, offset)) ||
        (spanForHover && f.file === file && f.span.start >= spanForHover.start && f.span.end <= spanForHover.end),
    ),
  ).sort((a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity]);
  if (here.length === 0 && sections.length === 0) return null;
  if (subject && !subject.version) subject.version = here.find((f) => f.package === subject!.name && f.version)?.version ?? undefined;
  if (here.length === 0) sections.push('✅ No findings.');
  for (const f of here) sections.push(renderFinding(f, remote));
  // One report line for the package, under its findings (not one per finding: the card stays short).
  const reportable = here.filter((f) => isReportable(f) && f.package === here.find(isReportable)?.package);
  if (reportable.length) sections[sections.length - 1] += `  \n${renderReportLinks(reportable)}`;

  const packument = subject?.fromRegistry ? packumentOf(remote, subject.name) : undefined;
  if (subject && packument) {
    const audit = renderAudit(packument, subject.version, now);
    if (audit) sections.push(audit);
  }
  if (subject && subject.fromRegistry && !subject.name.startsWith('.')) sections.push(renderLinks(subject, packument, here[0]?.rule));
  const contents: MarkupContent = { kind: 'markdown', value: sections.join('\n\n---\n\n') };
  return { contents };
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

function renderFinding(f: Finding, remote: RemoteData | undefined): string {
  const lines = [`${ICON[f.severity]} **${f.severity}** [\`${f.rule}\`](${ruleDocUrl(f.rule)}): ${escapeMarkdown(f.message)}`];
  if (f.version && f.package) lines.push(code(`${f.package}@${f.version}`));
  if (f.via && f.via.length > 1) lines.push(`via ${f.via.map(code).join(' › ')}`);
  for (const e of f.evidence ?? []) lines.push(`- ${escapeMarkdown(e)}`);
  const advisories = advisoryLinks(f, remote);
  if (advisories) lines.push(`advisories: ${advisories}`);
  if (f.suppressed) lines.push(`_suppressed: ${escapeMarkdown(f.suppressed.reason)}_`);
  return lines.join('  \n');
}

/** Advisory ids with links, for the advisory rules (the evidence holds only URLs or ids). */
function advisoryLinks(f: Finding, remote: RemoteData | undefined): string | undefined {
  if ((f.rule !== 'known-vulnerability' && f.rule !== 'known-malware') || !f.package || !f.version) return undefined;
  const lookup = remote?.advisories.get(advisoryKey(f.package, f.version));
  if (lookup?.status !== 'ok' || lookup.advisories.length === 0) return undefined;
  return lookup.advisories
    .map((a) => `[${escapeMarkdown(a.id)}](${safeUrl(a.url ?? `https://osv.dev/vulnerability/${encodeURIComponent(a.id)}`)})${a.severity !== 'unknown' ? ` (${a.severity})` : ''}`)
    .join(', ');
}

/** "Report <name> to npm" (npm's malware form) and "Copy IOC" (the client's depwarden.copyIoc, a trusted command link). */
function renderReportLinks(findings: Finding[]): string {
  const f = findings[0];
  const copy = `command:depwarden.copyIoc?${safeUrl(encodeURIComponent(JSON.stringify([iocText(findings)])))}`;
  return `🚩 [Report ${escapeMarkdown(f.package!)} to npm](${safeUrl(npmReportUrl(f.package!, f.version))}) · [Copy IOC](${copy})`;
}

/** Registry facts for an audit: when and by whom the version was published, its install scripts, the latest release, recent publishers. */
function renderAudit(p: Packument, version: string | undefined, now: Date): string | undefined {
  const lines: string[] = [];
  const info = version ? p.versions[version] : undefined;
  if (version && p.time[version]) {
    const by = info?.publisher ? ` by **${escapeMarkdown(info.publisher)}**` : '';
    lines.push(`**${escapeMarkdown(version)}** published ${when(p.time[version], now)}${by}`);
  } else if (version && !info) {
    lines.push(`**${escapeMarkdown(version)}** is not on the registry.`);
  }
  for (const [hook, script] of Object.entries(info?.scripts ?? {})) lines.push(`install script \`${hook}\`: ${code(script)}`);
  const releases = releasesByTime(p);
  const last = releases.at(-1);
  if (last) lines.push(`latest release: **${escapeMarkdown(last.version)}**, ${when(last.time, now)}`);
  const recent = releases.slice(-PUBLISHER_HISTORY);
  if (recent.some((r) => p.versions[r.version]?.publisher)) {
    const history = recent.map((r) => {
      const who = p.versions[r.version]?.publisher;
      return `${escapeMarkdown(r.version)} ${who ? escapeMarkdown(who) : '?'}`;
    });
    lines.push(`publishers of recent versions: ${history.join(' · ')}`);
  }
  return lines.length ? lines.join('  \n') : undefined;
}

/** Versions still served, oldest first by publish time. */
function releasesByTime(p: Packument): { version: string; time: string }[] {
  const out: { version: string; time: string }[] = [];
  for (const [version, time] of Object.entries(p.time)) {
    if (version === 'created' || version === 'modified' || !p.versions[version] || Number.isNaN(Date.parse(time))) continue;
    out.push({ version, time });
  }
  return out.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

function renderLinks(s: Subject, p: Packument | undefined, rule: Finding['rule'] | undefined): string {
  const name = urlPath(s.name);
  const links = [`[npm](https://www.npmjs.com/package/${name})`];
  if (s.version) links.push(`[published files of ${escapeMarkdown(s.version)}](https://www.npmjs.com/package/${name}/v/${urlPath(s.version)}?activeTab=code)`);
  const info = s.version ? p?.versions[s.version] : undefined;
  const repo = info?.repositoryUrl ?? (p ? latestRepositoryUrl(p) : undefined);
  if (repo) {
    links.push(`[repository](${safeUrl(repo)}) (${escapeMarkdown(hostOf(repo))}, as the package claims)`);
    if (info?.repositoryUrl && info.gitHead) links.push(`[at the published commit ${info.gitHead.slice(0, 7)}](${safeUrl(commitUrl(info.repositoryUrl, info.gitHead))})`);
  }
  links.push(`[rule docs](${ruleDocUrl(rule ?? 'typosquat').replace(/[^/]+\.md$/, '')})`);
  return links.join(' · ');
}

function latestRepositoryUrl(p: Packument): string | undefined {
  const latest = p.distTags.latest;
  return latest ? p.versions[latest]?.repositoryUrl : undefined;
}

/** The repository's tree at a commit, in the URL form of the big hosts (GitHub's elsewhere). */
export function commitUrl(repositoryUrl: string, sha: string): string {
  const host = hostOf(repositoryUrl);
  if (host === 'gitlab.com') return `${repositoryUrl}/-/tree/${sha}`;
  if (host === 'bitbucket.org') return `${repositoryUrl}/src/${sha}`;
  return `${repositoryUrl}/tree/${sha}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/** "3 days ago (2026-11-25 14:02 UTC)". */
export function when(iso: string, now: Date): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return escapeMarkdown(iso);
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

/** A package name or version as a URL path: scoped names keep their `@` and `/`. */
function urlPath(s: string): string {
  return safeUrl(encodeURIComponent(s).replace(/%40/g, '@').replace(/%2F/g, '/'));
}

/** Characters that would end a Markdown link destination early are percent-encoded. */
function safeUrl(url: string): string {
  return url.replace(/[()<>\s"'`\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Inline code that survives backticks inside (script texts often have them). */
function code(s: string): string {
  const text = s.length > 300 ? `${s.slice(0, 300)}…` : s;
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text.replace(/[\r\n]+/g, ' ')}${fence.length > 1 ? ' ' : ''}${fence}`;
}

function escapeMarkdown(s: string): string {
  return s.replace(/([\\`*_{}[\]<>#|])/g, '\\$1');
}
