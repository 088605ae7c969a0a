import type { Hover, MarkupContent } from 'vscode-languageserver';
import type { Finding, Severity } from '../engine/model';
import { ruleDocUrl } from '../engine/rules/catalog';
import type { ScanResult } from '../engine/scan';
import { lockedDirectDependency } from '../engine/project';

const ICON: Record<Severity, string> = { error: '🛑', warning: '⚠️', info: 'ℹ️', hint: '💡' };

function contains(span: { start: number; end: number }, offset: number): boolean {
  return offset >= span.start && offset <= span.end;
}

/** Markdown card for whatever dependency or lockfile entry sits at `offset` in `file`. */
export function hoverAt(result: ScanResult, file: string, offset: number): Hover | null {
  const project = result.project;
  const sections: string[] = [];
  let spanForHover: { start: number; end: number } | undefined;

  const manifest = project.manifests.find((m) => m.path === file);
  const dep = manifest?.dependencies.find((d) => contains(d.propertySpan, offset));
  let name: string | undefined;
  if (manifest && dep) {
    name = dep.aliasOf?.name || dep.name;
    const locked = lockedDirectDependency(project, manifest.path, dep.name);
    const parts = [`**${dep.name}**`];
    if (dep.spec) parts.push(`\`${dep.spec}\``);
    if (locked) parts.push(`locked at **${locked.version}**`);
    parts.push(`_${dep.section}_`);
    sections.push(parts.join(' · '));
    spanForHover = dep.propertySpan;
  }
  const lockfile = project.lockfiles.find((l) => l.path === file);
  if (lockfile && !dep) {
    const pkg = lockfile.packages.find((p) => contains(p.keySpan ?? p.span, offset));
    if (pkg) {
      name = pkg.realName ?? pkg.name;
      const graph = project.graphs.get(lockfile.path);
      sections.push(`**${pkg.name}** · **${pkg.version}**${pkg.realName ? ` (alias of ${pkg.realName})` : ''} · _${pkg.source}_`);
      const via = graph?.via(pkg.id);
      if (via && via.length > 1) sections.push(`via ${via.map((v) => `\`${v}\``).join(' › ')}`);
      spanForHover = pkg.keySpan ?? pkg.span;
    }
  }

  const here = result.findings.filter(
    (f) =>
      (f.file === file && contains(f.span, offset)) ||
      (f.also ?? []).some((a) => a.file === file && contains(a.span, offset)) ||
      (spanForHover && f.file === file && f.span.start >= spanForHover.start && f.span.end <= spanForHover.end),
  );
  if (here.length === 0 && sections.length === 0) return null;
  if (here.length === 0) sections.push('✅ No findings.');
  for (const f of dedupe(here)) sections.push(renderFinding(f));
  if (name && !name.startsWith('.')) {
    sections.push(`[npm](https://www.npmjs.com/package/${name}) · [rules](${ruleDocUrl(here[0]?.rule ?? 'typosquat').replace(/[^/]+\.md$/, '')})`);
  }
  const contents: MarkupContent = { kind: 'markdown', value: sections.join('\n\n---\n\n') };
  return { contents };
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

function renderFinding(f: Finding): string {
  const lines = [`${ICON[f.severity]} **${f.severity}** [\`${f.rule}\`](${ruleDocUrl(f.rule)}): ${escapeMarkdown(f.message)}`];
  if (f.version && f.package) lines.push(`\`${f.package}@${f.version}\``);
  if (f.via && f.via.length > 1) lines.push(`via ${f.via.map((v) => `\`${v}\``).join(' › ')}`);
  for (const e of f.evidence ?? []) lines.push(`- ${escapeMarkdown(e)}`);
  if (f.suppressed) lines.push(`_suppressed: ${escapeMarkdown(f.suppressed.reason)}_`);
  return lines.join('  \n');
}

function escapeMarkdown(s: string): string {
  return s.replace(/([\\`*_{}[\]<>#|])/g, '\\$1');
}
