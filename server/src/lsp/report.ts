import type { Finding, Severity, Span } from '../engine/model';
import { ruleDocUrl } from '../engine/rules/catalog';
import type { ScanResult } from '../engine/scan';
import type { PositionMapper } from './positions';
import { codeSpan, destination, link, MESSAGE_MAX, text } from './markdown';

/** One workspace folder as the report sees it. */
export interface ReportFolder {
  name: string;
  enabled: boolean;
  result?: ScanResult;
  uriOf(file: string): string;
}

const SECTIONS: { severity: Severity; title: string; icon: string }[] = [
  { severity: 'error', title: 'Errors', icon: '🛑' },
  { severity: 'warning', title: 'Warnings', icon: '⚠️' },
  { severity: 'info', title: 'Info', icon: 'ℹ️' },
  { severity: 'hint', title: 'Hints', icon: '💡' },
];

interface Located {
  folder: ReportFolder;
  finding: Finding;
}

/**
 * The `depwarden/report` Markdown: what was checked, then every finding of the workspace
 * grouped by severity and package, each with links to its locations (file uri + #L line,
 * which VS Code's Markdown preview opens at that line), and the suppressed findings with
 * their reasons in a section of their own.
 *
 * The preview renders HTML and loads images, and names, messages and file names come
 * from the workspace and the registry: all of them go through markdown.ts (`text`,
 * `codeSpan`), and the only links are to rule docs and to the files' own URIs.
 */
export function renderReport(folders: ReportFolder[], positions: PositionMapper): string {
  const out: string[] = ['# depwarden report', ''];
  const live: Located[] = [];
  const suppressed: Located[] = [];
  const multiRoot = folders.length > 1;

  for (const folder of folders) {
    out.push(coverageLine(folder));
    const r = folder.result;
    if (!r) continue;
    for (const f of r.files.filter((x) => !x.parsed)) out.push(`- ⛔ not fully checked: ${codeSpan(f.path)}${f.error ? `: ${text(f.error, MESSAGE_MAX)}` : ''}`);
    for (const finding of r.findings) (finding.suppressed ? suppressed : live).push({ folder, finding });
  }
  if (folders.length === 0) out.push('_No workspace folder is open._');
  out.push('');

  const location = (folder: ReportFolder, file: string, span: Span): string => {
    const source = folder.result?.project.texts.get(file);
    const uri = folder.uriOf(file);
    const line = source === undefined ? 1 : positions.range(uri, source, span).start.line + 1;
    const label = `${multiRoot ? `${folder.name}/` : ''}${file}:${line}`;
    return link(label, `${uri}#L${line}`);
  };
  const locations = ({ folder, finding }: Located): string =>
    [location(folder, finding.file, finding.span), ...(finding.also ?? []).map((a) => location(folder, a.file, a.span))].join(', ');

  if (live.length === 0) out.push(folders.some((f) => f.result) ? '✅ No findings in the checked files.' : '_Nothing has been checked yet._', '');
  for (const section of SECTIONS) {
    const items = live.filter((x) => x.finding.severity === section.severity);
    if (items.length === 0) continue;
    out.push(`## ${section.icon} ${section.title} (${items.length})`, '');
    for (const [pkg, group] of groupByPackage(items)) {
      out.push(`### ${pkg}`, '');
      for (const item of group) {
        const f = item.finding;
        out.push(`- [\`${f.rule}\`](${destination(ruleDocUrl(f.rule))}) ${text(f.message, MESSAGE_MAX)}`);
        if (f.via && f.via.length > 1) out.push(`  - via ${f.via.map((v) => codeSpan(v)).join(' › ')}`);
        for (const e of f.evidence ?? []) out.push(`  - ${text(e, MESSAGE_MAX)}`);
        out.push(`  - ${locations(item)}`);
      }
      out.push('');
    }
  }

  if (suppressed.length > 0) {
    out.push(`## 🔕 Suppressed (${suppressed.length})`, '', 'Hidden from the Problems panel by `.depwarden.json`.', '');
    for (const [pkg, group] of groupByPackage(suppressed)) {
      for (const item of group) {
        const f = item.finding;
        out.push(`- ${pkg} [\`${f.rule}\`](${destination(ruleDocUrl(f.rule))}) _${f.severity}_: ${text(f.message, MESSAGE_MAX)}`);
        out.push(`  - reason: **${text(f.suppressed!.reason, MESSAGE_MAX)}**`);
        out.push(`  - ${locations(item)}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
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
  if (r.findings.some((f) => f.rule === 'lookup-incomplete')) parts.push('lookups incomplete');
  return `${name}: ${parts.join(' · ')}`;
}

/** By `name@version` (or the file, for findings about a whole file), sorted by name; each with its heading as Markdown. */
function groupByPackage(items: Located[]): [string, Located[]][] {
  const groups = new Map<string, Located[]>();
  for (const item of items) {
    const f = item.finding;
    // Package and file keys apart, so that a package cannot pass for a file.
    const key = f.package ? `p${f.package}${f.version ? `@${f.version}` : ''}` : `f${f.file}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(item);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a.slice(1) < b.slice(1) ? -1 : a.slice(1) > b.slice(1) ? 1 : 0))
    .map(([key, group]) => [key[0] === 'p' ? codeSpan(key.slice(1)) : `${codeSpan(key.slice(1))} (file)`, group]);
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}
