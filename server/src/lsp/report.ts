import type { Finding, Severity, Span } from '../engine/model';
import { ruleDocUrl } from '../engine/rules/catalog';
import type { ScanResult } from '../engine/scan';
import type { PositionMapper } from './positions';

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
    for (const f of r.files.filter((x) => !x.parsed)) out.push(`- ⛔ not fully checked: \`${f.path}\`${f.error ? `: ${escape(f.error)}` : ''}`);
    for (const finding of r.findings) (finding.suppressed ? suppressed : live).push({ folder, finding });
  }
  if (folders.length === 0) out.push('_No workspace folder is open._');
  out.push('');

  const link = (folder: ReportFolder, file: string, span: Span): string => {
    const text = folder.result?.project.texts.get(file);
    const uri = folder.uriOf(file);
    const line = text === undefined ? 1 : positions.range(uri, text, span).start.line + 1;
    const label = `${multiRoot ? `${folder.name}/` : ''}${file}:${line}`;
    return `[${escape(label)}](<${uri}#L${line}>)`;
  };
  const locations = ({ folder, finding }: Located): string =>
    [link(folder, finding.file, finding.span), ...(finding.also ?? []).map((a) => link(folder, a.file, a.span))].join(', ');

  if (live.length === 0) out.push(folders.some((f) => f.result) ? '✅ No findings in the checked files.' : '_Nothing has been checked yet._', '');
  for (const section of SECTIONS) {
    const items = live.filter((x) => x.finding.severity === section.severity);
    if (items.length === 0) continue;
    out.push(`## ${section.icon} ${section.title} (${items.length})`, '');
    for (const [pkg, group] of groupByPackage(items)) {
      out.push(`### ${pkg}`, '');
      for (const item of group) {
        const f = item.finding;
        out.push(`- [\`${f.rule}\`](${ruleDocUrl(f.rule)}) ${escape(f.message)}`);
        if (f.via && f.via.length > 1) out.push(`  - via ${f.via.map((v) => `\`${v}\``).join(' › ')}`);
        for (const e of f.evidence ?? []) out.push(`  - ${escape(e)}`);
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
        out.push(`- ${pkg} [\`${f.rule}\`](${ruleDocUrl(f.rule)}) _${f.severity}_: ${escape(f.message)}`);
        out.push(`  - reason: **${escape(f.suppressed!.reason)}**`);
        out.push(`  - ${locations(item)}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

function coverageLine(folder: ReportFolder): string {
  const name = `**${escape(folder.name)}**`;
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

/** By `name@version` (or the file, for findings about a whole file), sorted by name. */
function groupByPackage(items: Located[]): [string, Located[]][] {
  const groups = new Map<string, Located[]>();
  for (const item of items) {
    const f = item.finding;
    const key = f.package ? `\`${f.package}${f.version ? `@${f.version}` : ''}\`` : `\`${f.file}\` (file)`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(item);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

function escape(s: string): string {
  return s.replace(/([\\`*_{}[\]<>#|])/g, '\\$1');
}
