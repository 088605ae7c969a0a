import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding, RuleId, Severity, Span } from '../engine/model';
import { ruleDocUrl } from '../engine/rules/catalog';
import type { ScanResult } from '../engine/scan';
import type { PositionMapper } from './positions';
import { codeSpan, destination, MESSAGE_MAX, text, workspaceFileLink } from './markdown';
import type { CoverageContext } from './coverage';
import { namesItsPackage } from './diagnostics';
import { MARK, SEVERITY_MARK } from './glyphs';
import { dependencyPaths } from './graph-view';
import { viaLines, type Via } from './hover';
import { thousands } from '../engine/text/thousands';

/** One workspace folder as the report sees it. */
export interface ReportFolder {
  name: string;
  enabled: boolean;
  result?: ScanResult;
  uriOf(file: string): string;
  /** How the folder was checked (settings, Restricted Mode): the report says what was not. */
  coverage?: CoverageContext;
}

const SECTIONS: { severity: Severity; title: string }[] = [
  { severity: 'error', title: 'Errors' },
  { severity: 'warning', title: 'Warnings' },
  { severity: 'info', title: 'Info' },
  { severity: 'hint', title: 'Hints' },
];

interface Located {
  folder: ReportFolder;
  finding: Finding;
}

/**
 * The `depwarden/report` Markdown, for VS Code's Markdown preview of a read-only
 * `depwarden:` document: what was checked and what was not, then every finding of the
 * workspace grouped by severity and rule, one line per package with links to its
 * locations (see workspaceFileLink: paths from the first workspace folder, `linkBase`,
 * which the preview opens at the line), and the suppressed findings with their reasons.
 *
 * The preview renders HTML and loads images, and names, messages and file names come
 * from the workspace and the registry: all of them go through markdown.ts (`text`,
 * `codeSpan`), and the only links are to rule docs and to the workspace's files.
 */
export function renderReport(folders: ReportFolder[], positions: PositionMapper, linkBase = folders[0]?.uriOf('') ?? 'file:///'): string {
  const out: string[] = ['# depwarden report', ''];
  const live: Located[] = [];
  const suppressed: Located[] = [];
  const multiRoot = folders.length > 1;

  for (const folder of folders) {
    out.push(`- ${coverageLine(folder)}`);
    const r = folder.result;
    if (!r) continue;
    const notChecked = notCheckedLine(folder);
    if (notChecked) out.push(`  - ${notChecked}`);
    for (const f of r.files.filter((x) => !x.parsed)) out.push(`  - ${MARK.partlyChecked} not fully checked: ${codeSpan(f.path)}${f.error ? `: ${text(f.error, MESSAGE_MAX)}` : ''}`);
    for (const finding of r.findings) (finding.suppressed ? suppressed : live).push({ folder, finding });
  }
  if (folders.length === 0) out.push('_No workspace folder is open._');
  out.push('');

  // One TextDocument per file for the whole report: a large lockfile is indexed once, not once per finding.
  const docs = new Map<string, TextDocument>();
  const location = (folder: ReportFolder, file: string, span: Span): string => {
    const source = folder.result?.project.texts.get(file);
    const uri = folder.uriOf(file);
    let line = 1;
    if (source !== undefined) {
      let doc = docs.get(uri);
      if (!doc) docs.set(uri, (doc = positions.document(uri, source)));
      line = doc.positionAt(span.start).line + 1;
    }
    return workspaceFileLink(`${multiRoot ? `${folder.name}/` : ''}${file}:${line}`, uri, linkBase, line);
  };
  // The ways in of each package, once (several rules can flag one package).
  const vias = new Map<string, Via>();
  const viaOf = ({ folder, finding: f }: Located): Via => {
    const key = `${folder.name}\u0000${f.package}@${f.version ?? ''}`;
    let via = vias.get(key);
    if (!via) {
      const found = folder.result && f.package ? dependencyPaths(folder.result, f.package, f.version ?? undefined) : { paths: [], total: 0 };
      vias.set(key, (via = { name: f.package ?? '', ...(found.paths.length ? found : { paths: [f.via ?? []], total: 1 }) }));
    }
    return via;
  };
  const locations = ({ folder, finding }: Located): string =>
    [location(folder, finding.file, finding.span), ...(finding.also ?? []).map((a) => location(folder, a.file, a.span))].join(', ');

  if (live.length === 0) out.push(folders.some((f) => f.result) ? `${MARK.clean} No findings in the checked files (see above for what was not checked).` : '_Nothing has been checked yet._', '');
  for (const section of SECTIONS) {
    const items = live.filter((x) => x.finding.severity === section.severity);
    if (items.length === 0) continue;
    out.push(`## ${SEVERITY_MARK[section.severity]} ${section.title} (${items.length})`, '');
    for (const [rule, group] of groupByRule(items)) {
      out.push(`### [\`${rule}\`](${destination(ruleDocUrl(rule))}) (${group.length})`, '');
      for (const item of sortByPackage(group)) {
        const f = item.finding;
        out.push(`- ${subjectLead(f)}${text(f.message, MESSAGE_MAX)} — ${locations(item)}`);
        if (f.via && f.via.length > 1) for (const line of viaLines(viaOf(item))) out.push(`  - ${line}`);
        for (const e of (f.evidence ?? []).slice(0, MAX_EVIDENCE)) out.push(`  - ${text(e, MESSAGE_MAX)}`);
      }
      out.push('');
    }
  }

  if (suppressed.length > 0) {
    out.push(`## ${MARK.suppressed} Suppressed (${suppressed.length})`, '', 'Hidden from the Problems panel by `.depwarden.json`.', '');
    for (const item of sortByPackage(suppressed)) {
      const f = item.finding;
      out.push(`- ${subjectLead(f)}[\`${f.rule}\`](${destination(ruleDocUrl(f.rule))}) _${f.severity}_: ${text(f.message, MESSAGE_MAX)} — ${locations(item)}`);
      out.push(`  - reason: **${text(f.suppressed!.reason, MESSAGE_MAX)}**`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Evidence lines per finding: a report entry stays readable whatever an answer holds. */
const MAX_EVIDENCE = 20;

/** `name@version` before a message that does not name its package itself; nothing for a finding about a whole file (its link names the file). */
function subjectLead(f: Finding): string {
  if (!f.package || namesItsPackage(f)) return '';
  return `${codeSpan(f.version ? `${f.package}@${f.version}` : f.package)}: `;
}

function coverageLine(folder: ReportFolder): string {
  const name = `**${text(folder.name)}**`;
  if (!folder.enabled) return `${name}: depwarden is disabled for this folder (\`depwarden.enable\`).`;
  const r = folder.result;
  if (!r) return `${name}: not checked yet.`;
  const manifests = r.files.filter((f) => f.kind === 'manifest').length;
  const lockfiles = r.files.filter((f) => f.kind === 'lockfile');
  const packages = lockfiles.reduce((n, f) => n + (f.packages ?? 0), 0);
  const count = (s: Severity) => r.findings.filter((f) => !f.suppressed && f.severity === s).length;
  const parts = [
    `${plural(manifests, 'package.json', 'package.json files')} and ${plural(lockfiles.length, 'lockfile')} checked (${plural(packages, 'package')})`,
    plural(count('error'), 'error'),
    plural(count('warning'), 'warning'),
    `${count('info')} info`,
    plural(count('hint'), 'hint'),
  ];
  const quiet = r.findings.filter((f) => f.suppressed).length;
  if (quiet) parts.push(`${quiet} suppressed`);
  return `${name}: ${parts.join(' · ')}`;
}

/** What the folder's checks did not cover: Restricted Mode, offline, failed lookups, advisories off. */
function notCheckedLine(folder: ReportFolder): string | undefined {
  const c = folder.coverage;
  if (c?.restricted) return `${MARK.restricted} **Restricted Mode: local checks only.** The registry, advisories and malware feeds were not consulted; trust the workspace to run them.`;
  const notes: string[] = [];
  for (const f of folder.result?.findings ?? []) {
    if (f.rule === 'lookup-incomplete' && !f.suppressed) notes.push(`${codeSpan(f.file)}: ${text(f.message, MESSAGE_MAX)}`);
  }
  if (c && c.settings.offline && notes.length === 0) notes.push('offline (`depwarden.offline`): registry data only from the cache, no advisories');
  if (c && c.settings.advisories === null) notes.push('advisories are off (`depwarden.advisories`)');
  return notes.length ? `${MARK.notChecked} **Not checked:** ${notes.join('; ')}` : undefined;
}

function groupByRule(items: Located[]): [RuleId, Located[]][] {
  const groups = new Map<RuleId, Located[]>();
  for (const item of items) {
    const list = groups.get(item.finding.rule) ?? [];
    groups.set(item.finding.rule, list);
    list.push(item);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** By package name and version (findings about a whole file last), then file. */
function sortByPackage(items: Located[]): Located[] {
  const key = (f: Finding) => `${f.package ? '0' : '1'}${f.package ?? ''}@${f.version ?? ''}\u0000${f.file}`;
  return [...items].sort((a, b) => {
    const x = key(a.finding);
    const y = key(b.finding);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${thousands(n)} ${n === 1 ? word : many}`;
}
