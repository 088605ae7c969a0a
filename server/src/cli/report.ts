import type { FileReport, Finding, Severity } from '../engine/model';
import { RULE_CATALOG, ruleDocUrl } from '../engine/rules/catalog';
import { RULE_IDS } from '../engine/model';
import { LineIndex } from './line-index';
import { cleanText, LIMITS, truncate } from '../engine/text/untrusted';

// The version in package.json, inlined by esbuild.mjs, so the CLI package, `--version`
// and the reports cannot disagree; running from source (tests under tsx) has no bundle.
declare const DEPWARDEN_VERSION: string | undefined;
export const TOOL_VERSION = typeof DEPWARDEN_VERSION === 'string' ? DEPWARDEN_VERSION : '0.0.0-source';

export interface Report {
  root: string;
  files: FileReport[];
  findings: Finding[];
  texts: Map<string, string>;
  lookupsIncomplete: number;
  /** The project's `.depwarden.json`, when there is one, and what it set (so CI logs show the policy a run applied). */
  policy?: { file: string; applied: string[]; ignored?: true };
}

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

function rangeOf(report: Report, f: Finding, cache: Map<string, LineIndex>): Range {
  let index = cache.get(f.file);
  if (!index) {
    index = new LineIndex(report.texts.get(f.file) ?? '');
    cache.set(f.file, index);
  }
  return { start: index.position(f.span.start), end: index.position(f.span.end) };
}

/** Findings that count: suppressed ones are reported but never fail the run. */
export function activeFindings(report: Report): Finding[] {
  return report.findings.filter((f) => !f.suppressed);
}

export function summarize(report: Report): Record<Severity, number> & { lookupsIncomplete: number } {
  const s = { error: 0, warning: 0, info: 0, hint: 0, lookupsIncomplete: report.lookupsIncomplete };
  for (const f of activeFindings(report)) s[f.severity]++;
  return s;
}

/**
 * JSON text of a report with every string bounded (a 20 MB deprecation message or script
 * must not become 20 MB of output) and with the characters JSON.stringify leaves raw but a
 * terminal or a viewer acts on (DEL, C1, line/paragraph separators, bidi controls) written
 * as \u escapes: the same JSON value, safe to print. JSON.stringify escapes C0 itself.
 */
export function boundedJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? truncate(v, LIMITS.message) : v), 2);
  return text.replace(/[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}

export function toJson(report: Report): string {
  const lines = new Map<string, LineIndex>();
  const out = {
    tool: 'depwarden',
    version: TOOL_VERSION,
    root: report.root,
    files: report.files.map((f) => {
      const o: Record<string, unknown> = { path: f.path, kind: f.kind };
      if (f.format) o.format = f.format;
      if (f.lockfileVersion !== undefined) o.lockfileVersion = f.lockfileVersion;
      o.parsed = f.parsed;
      if (f.packages !== undefined) o.packages = f.packages;
      if (f.error) o.error = f.error;
      return o;
    }),
    findings: report.findings.map((f) => {
      const o: Record<string, unknown> = {
        rule: f.rule,
        severity: f.severity,
        package: f.package ?? null,
        version: f.version ?? null,
        file: f.file,
        range: rangeOf(report, f, lines),
        message: f.message,
        via: f.via ?? [],
        fixes: f.fixes.map((x) => {
          const fix: Record<string, unknown> = { title: x.title, kind: x.kind };
          if (x.name !== undefined) fix.name = x.name;
          if (x.version !== undefined) fix.version = x.version;
          return fix;
        }),
      };
      if (f.evidence?.length) o.evidence = f.evidence;
      if (f.also?.length) o.also = f.also.map((a) => ({ file: a.file, range: rangeOf(report, { ...f, file: a.file, span: a.span }, lines) }));
      if (f.suppressed) o.suppressed = f.suppressed;
      return o;
    }),
    ...(report.policy ? { policy: report.policy } : {}),
    summary: summarize(report),
  };
  return boundedJson(out);
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function toSarif(report: Report): string {
  const lines = new Map<string, LineIndex>();
  const ruleIndex = new Map<string, number>(RULE_IDS.map((id, i) => [id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'depwarden',
            version: TOOL_VERSION,
            informationUri: 'https://github.com/depwarden/depwarden',
            rules: RULE_IDS.map((id) => ({
              id,
              name: id,
              shortDescription: { text: RULE_CATALOG[id].summary },
              fullDescription: { text: RULE_CATALOG[id].summary },
              help: { text: `${RULE_CATALOG[id].summary} See ${ruleDocUrl(id)}`, markdown: `${RULE_CATALOG[id].summary} [Details](${ruleDocUrl(id)})` },
              helpUri: ruleDocUrl(id),
              defaultConfiguration: { level: SARIF_LEVEL[RULE_CATALOG[id].severity] },
            })),
          },
        },
        ...(report.policy ? { properties: { policy: report.policy } } : {}),
        originalUriBaseIds: { SRCROOT: { uri: 'file://' + report.root.replace(/\\/g, '/').replace(/\/?$/, '/') } },
        results: report.findings.map((f) => {
          const r = rangeOf(report, f, lines);
          const result: Record<string, unknown> = {
            ruleId: f.rule,
            ruleIndex: ruleIndex.get(f.rule),
            level: SARIF_LEVEL[f.severity],
            message: { text: f.via && f.via.length > 1 ? `${f.message} (via ${f.via.join(' > ')})` : f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: f.file, uriBaseId: 'SRCROOT' },
                  region: { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 },
                },
              },
            ],
            partialFingerprints: { 'depwarden/v1': `${f.rule}:${f.package ?? ''}@${f.version ?? ''}:${f.file}` },
          };
          if (f.suppressed) result.suppressions = [{ kind: 'external', justification: f.suppressed.reason }];
          return result;
        }),
      },
    ],
  };
  return boundedJson(sarif);
}

const COLOURS: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m', hint: '\x1b[90m' };

/** A dependency path for text output, bounded as a whole (a hostile lockfile can chain thousands). */
export function viaText(via: string[]): string {
  return cleanText(via.map((n) => truncate(n, LIMITS.name)).join(' > '));
}

/**
 * Human-readable output. Every field that came from a file or the registry (paths,
 * messages, names, reasons) goes through cleanText: control characters escaped, so that no
 * escape sequence (erased lines, cursor moves, an OSC 52 clipboard write) or line break in
 * a name or registry text can hide a warning or forge a line, and bounded in length. Only
 * our own colours are written raw.
 */
export function toText(report: Report, colour: boolean): string {
  const lines = new Map<string, LineIndex>();
  const paint = (s: string, code: string) => (colour ? `${code}${s}\x1b[0m` : s);
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) {
    if (!byFile.has(f.file)) byFile.set(f.file, []);
    byFile.get(f.file)!.push(f);
  }
  for (const [file, findings] of byFile) {
    out.push(paint(cleanText(file), '\x1b[1m\x1b[4m'));
    for (const f of findings) {
      const r = rangeOf(report, f, lines);
      const where = `${r.start.line + 1}:${r.start.character + 1}`.padEnd(8);
      const sev = paint(f.severity.padEnd(8), COLOURS[f.severity]);
      const sup = f.suppressed ? paint(` [suppressed: ${cleanText(f.suppressed.reason, LIMITS.text)}]`, '\x1b[90m') : '';
      out.push(`  ${where}${sev}${cleanText(f.message)}  ${paint(f.rule, '\x1b[90m')}${sup}`);
      if (f.via && f.via.length > 1) out.push(`          ${' '.repeat(8)}via ${viaText(f.via)}`);
    }
    out.push('');
  }
  const s = summarize(report);
  const lockfiles = report.files.filter((f) => f.kind === 'lockfile');
  const packages = lockfiles.reduce((n, f) => n + (f.packages ?? 0), 0);
  const unparsed = report.files.filter((f) => !f.parsed).length;
  out.push(
    `Checked ${report.files.length - lockfiles.length} package.json, ${lockfiles.length} lockfile${lockfiles.length === 1 ? '' : 's'} (${packages} packages)` +
      (unparsed ? `, ${unparsed} not fully parsed` : '') +
      '.',
  );
  if (report.policy?.ignored) out.push(`Policy: ${report.policy.file} ignored (--no-project-config).`);
  else if (report.policy) out.push(`Policy: ${report.policy.file}${report.policy.applied.length ? ` (${report.policy.applied.join(', ')})` : ''}.`);
  const total = s.error + s.warning + s.info + s.hint;
  out.push(
    total === 0
      ? paint('No problems found.', '\x1b[32m')
      : `${paint(`${s.error} error${s.error === 1 ? '' : 's'}`, COLOURS.error)}, ${paint(`${s.warning} warning${s.warning === 1 ? '' : 's'}`, COLOURS.warning)}, ${s.info} info, ${s.hint} hint${s.hint === 1 ? '' : 's'}.`,
  );
  if (s.lookupsIncomplete) out.push(`Registry/advisory lookups incomplete for ${s.lookupsIncomplete} package${s.lookupsIncomplete === 1 ? '' : 's'}.`);
  return out.join('\n') + '\n';
}
