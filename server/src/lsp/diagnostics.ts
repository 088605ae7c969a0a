import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver';
import type { Finding, Severity } from '../engine/model';
import { ruleDocUrl } from '../engine/rules/catalog';
import { cleanText } from '../engine/text/untrusted';
import type { PositionMapper } from './positions';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface DiagnosticData {
  /** Index of the finding in the scan result it came from. */
  finding: number;
  generation: number;
}

/**
 * Groups findings into diagnostics per file uri. A lockfile finding is also published on
 * the package.json line of the direct dependency that pulls the package in.
 */
export function findingsToDiagnostics(
  findings: Finding[],
  generation: number,
  uriOf: (file: string) => string,
  textOf: (file: string) => string | undefined,
  positions: PositionMapper,
): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const push = (uri: string, d: Diagnostic) => {
    if (!out.has(uri)) out.set(uri, []);
    out.get(uri)!.push(d);
  };
  findings.forEach((f, index) => {
    if (f.suppressed) return;
    const uri = uriOf(f.file);
    const text = textOf(f.file);
    if (text === undefined) return;
    const range = positions.range(uri, text, f.span);
    const base = {
      severity: SEVERITY[f.severity],
      code: f.rule,
      codeDescription: { href: ruleDocUrl(f.rule) },
      source: 'depwarden',
      data: { finding: index, generation } satisfies DiagnosticData,
    };
    const via = f.via && f.via.length > 1 ? ` (via ${f.via.join(' > ')})` : '';
    // Messages quote names, specs and registry text: no control characters (a line break
    // or a bidi override reshapes what the Problems panel shows) and a bounded length.
    const diag: Diagnostic = { ...base, range, message: cleanText(f.message + via) };
    if (f.rule === 'deprecated') diag.tags = [DiagnosticTag.Deprecated];
    push(uri, diag);
    for (const also of f.also ?? []) {
      const alsoUri = uriOf(also.file);
      const alsoText = textOf(also.file);
      if (alsoText === undefined) continue;
      push(alsoUri, {
        ...base,
        range: positions.range(alsoUri, alsoText, also.span),
        message: cleanText(`${f.package}@${f.version ?? '?'}${via}: ${f.message}`),
        relatedInformation: [{ location: { uri, range }, message: cleanText(`locked in ${f.file}`) }],
      });
    }
  });
  return out;
}
