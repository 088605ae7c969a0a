import {
  CodeActionKind,
  type CodeAction,
  type CreateFile,
  type Diagnostic,
  type Range,
  type TextDocumentEdit,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { Finding, Fix } from '../engine/model';
import type { ScanResult } from '../engine/scan';
import type { DiagnosticData } from './diagnostics';
import type { PositionMapper } from './positions';
import { iocText, isReportable, npmReportUrl } from './report-links';
import { cleanText, LIMITS } from '../engine/text/untrusted';

/** What the client said it can apply (initialize: workspace.workspaceEdit). */
export interface EditCapabilities {
  /** documentChanges with a CreateFile resource operation. */
  createFiles: boolean;
}

const ORIGIN: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Quick fixes for the diagnostics in the request. Edits are only offered when the text
 * the engine saw is still the document's text, so that offsets cannot point at the
 * wrong place. A fix that creates a file (the first suppression) is sent as
 * documentChanges: create the file, then insert its text.
 */
export function codeActionsFor(
  result: ScanResult,
  generation: number,
  diagnostics: Diagnostic[],
  currentText: (file: string) => string | undefined,
  uriOf: (file: string) => string,
  positions: PositionMapper,
  capabilities: EditCapabilities = { createFiles: false },
  documentUri?: string,
): CodeAction[] {
  const actions: CodeAction[] = [];
  const seen = new Set<string>();
  // One "Report" and one "Copy IOC" per package, whichever of its findings are in range
  // (a version-less typosquat and its lockfile entry offered "Copy IOC (x)" and "Copy IOC (x@1.0.0)").
  const reportable = new Map<string, { findings: Finding[]; diagnostics: Diagnostic[] }>();
  for (const diag of diagnostics) {
    if (diag.source !== 'depwarden') continue;
    const finding = findingOf(diag, result, generation, uriOf, positions, documentUri);
    if (!finding) continue;
    // The finding itself must still describe the text (a fix elsewhere, such as a
    // suppression, would otherwise act on a finding the user may just have edited away).
    const shownIn = [finding.file, ...(finding.also ?? []).map((a) => a.file)];
    if (shownIn.some((file) => currentText(file) !== result.project.texts.get(file))) continue;
    for (const fix of finding.fixes) {
      const edit = workspaceEditFor(fix, result, currentText, uriOf, positions, capabilities);
      if (!edit) continue;
      const key = `${fix.title}|${JSON.stringify(edit)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diag],
        // Silencing a finding is never the safest answer.
        isPreferred: fix.kind === 'suppress' ? false : (fix.preferred ?? false),
        edit,
      });
    }
    if (isReportable(finding)) {
      const group = reportable.get(finding.package!) ?? { findings: [], diagnostics: [] };
      reportable.set(finding.package!, group);
      group.findings.push(finding);
      group.diagnostics.push(diag);
    }
    const why = whyActionFor(finding, result, diag);
    if (why && !seen.has(why.title)) {
      seen.add(why.title);
      actions.push(why);
    }
  }
  for (const { findings, diagnostics: diags } of reportable.values()) actions.push(...reportActionsFor(findings, diags));
  // Titles name packages and versions from the workspace and the registry: shown in the
  // light bulb menu, so cleaned and bounded like diagnostic messages.
  for (const a of actions) {
    a.title = cleanText(a.title, LIMITS.title);
    if (a.command) a.command.title = a.title;
  }
  return actions;
}

/**
 * "Why is <name> here?" (the client's depwarden.whyIsThisHere) for a finding on a lockfile
 * entry, also where it is shown on the package.json line that pulls the package in. A
 * finding on a package.json dependency needs no answer: the line itself is the reason.
 */
function whyActionFor(finding: Finding, result: ScanResult, diag: Diagnostic): CodeAction | undefined {
  const name = finding.package;
  if (!name || ![finding.file, ...(finding.also ?? []).map((a) => a.file)].some((file) => result.project.graphs.has(file))) return undefined;
  const title = `Why is ${name} here?`;
  const args = { package: name, version: finding.version ?? undefined };
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diag], isPreferred: false, command: { title, command: 'depwarden.whyIsThisHere', arguments: [args] } };
}

/**
 * "Report <name> to npm" (npm's malware form, opened in the browser through vscode.open)
 * and "Copy IOC" (the client's depwarden.copyIoc) for findings that say a package may be
 * malicious. Commands, not edits: nothing in the workspace changes.
 */
function reportActionsFor(findings: Finding[], diags: Diagnostic[]): CodeAction[] {
  // The finding that knows the version names the action; the IOC carries every finding, versioned ones first.
  const ordered = [...findings.filter((f) => f.version), ...findings.filter((f) => !f.version)];
  const finding = ordered[0];
  const name = finding.package!;
  const report = `Report ${name} to npm`;
  const copy = `Copy IOC (${finding.version ? `${name}@${finding.version}` : name})`;
  const ioc = iocText(ordered.filter((f, i) => ordered.findIndex((g) => g.rule === f.rule && g.message === f.message) === i));
  return [
    { title: report, kind: CodeActionKind.QuickFix, diagnostics: diags, isPreferred: false, command: { title: report, command: 'vscode.open', arguments: [npmReportUrl(name, finding.version)] } },
    { title: copy, kind: CodeActionKind.QuickFix, diagnostics: diags, isPreferred: false, command: { title: copy, command: 'depwarden.copyIoc', arguments: [ioc] } },
  ];
}

/**
 * The finding a diagnostic shows. Its data names the finding by index in the result it was
 * published from; the result may since have been replaced (registry data landed and the
 * folder was re-published), so otherwise the finding is found by rule and range.
 */
function findingOf(
  diag: Diagnostic,
  result: ScanResult,
  generation: number,
  uriOf: (file: string) => string,
  positions: PositionMapper,
  documentUri: string | undefined,
): Finding | undefined {
  const data = diag.data as DiagnosticData | undefined;
  if (data && data.generation === generation && result.findings[data.finding]?.rule === diag.code) return result.findings[data.finding];
  const same = (file: string, span: Finding['span']) => {
    const text = result.project.texts.get(file);
    if (text === undefined || (documentUri !== undefined && uriOf(file) !== documentUri)) return false;
    const r = positions.range(uriOf(file), text, span);
    return (
      r.start.line === diag.range.start.line &&
      r.start.character === diag.range.start.character &&
      r.end.line === diag.range.end.line &&
      r.end.character === diag.range.end.character
    );
  };
  return result.findings.find((f) => f.rule === diag.code && !f.suppressed && (same(f.file, f.span) || (f.also ?? []).some((a) => same(a.file, a.span))));
}

function workspaceEditFor(
  fix: Fix,
  result: ScanResult,
  currentText: (file: string) => string | undefined,
  uriOf: (file: string) => string,
  positions: PositionMapper,
  capabilities: EditCapabilities,
): WorkspaceEdit | undefined {
  if (!fix.edits?.length) return undefined;
  const changes: Record<string, LspTextEdit[]> = {};
  const creates: string[] = [];
  for (const e of fix.edits) {
    const seenText = result.project.texts.get(e.file);
    const uri = uriOf(e.file);
    if (e.create) {
      // Someone created the file since the scan: the edit would land inside it.
      if (!capabilities.createFiles || seenText !== undefined || currentText(e.file) !== undefined) return undefined;
      if (!creates.includes(uri)) creates.push(uri);
      (changes[uri] ??= []).push({ range: ORIGIN, newText: e.newText });
      continue;
    }
    if (seenText === undefined || currentText(e.file) !== seenText) return undefined;
    (changes[uri] ??= []).push({ range: positions.range(uri, seenText, e.span), newText: e.newText });
  }
  if (creates.length === 0) return { changes };
  // No ignoreIfExists: if the file appeared meanwhile the client fails the edit rather than
  // inserting a second JSON document at its top.
  const documentChanges: (CreateFile | TextDocumentEdit)[] = creates.map((uri) => ({ kind: 'create', uri }));
  for (const [uri, edits] of Object.entries(changes)) documentChanges.push({ textDocument: { uri, version: null }, edits });
  return { documentChanges };
}
