import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit as LspTextEdit } from 'vscode-languageserver';
import type { Finding } from '../engine/model';
import type { ScanResult } from '../engine/scan';
import type { DiagnosticData } from './diagnostics';
import type { PositionMapper } from './positions';

/**
 * Quick fixes for the diagnostics in the request. Edits are only offered when the text
 * the engine saw is still the document's text, so that offsets cannot point at the
 * wrong place.
 */
export function codeActionsFor(
  result: ScanResult,
  generation: number,
  diagnostics: Diagnostic[],
  currentText: (file: string) => string | undefined,
  uriOf: (file: string) => string,
  positions: PositionMapper,
): CodeAction[] {
  const actions: CodeAction[] = [];
  const seen = new Set<string>();
  for (const diag of diagnostics) {
    if (diag.source !== 'depwarden') continue;
    const data = diag.data as DiagnosticData | undefined;
    if (!data || data.generation !== generation) continue;
    const finding: Finding | undefined = result.findings[data.finding];
    if (!finding) continue;
    for (const fix of finding.fixes) {
      if (!fix.edits?.length) continue;
      const changes: Record<string, LspTextEdit[]> = {};
      let stale = false;
      for (const e of fix.edits) {
        const seenText = result.project.texts.get(e.file);
        if (seenText === undefined || currentText(e.file) !== seenText) {
          stale = true;
          break;
        }
        const uri = uriOf(e.file);
        const range: Range = positions.range(uri, seenText, e.span);
        (changes[uri] ??= []).push({ range, newText: e.newText });
      }
      if (stale) continue;
      const key = `${fix.title}|${JSON.stringify(changes)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diag],
        isPreferred: fix.preferred ?? false,
        edit: { changes },
      });
    }
  }
  return actions;
}
