import {
  CodeActionKind,
  type CodeAction,
  type Command,
  type CreateFile,
  type Diagnostic,
  type Range,
  type TextDocumentEdit,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { Finding, Fix, TextEdit } from '../engine/model';
import type { ScanResult } from '../engine/scan';
import { fixEdits, hasEdits } from '../engine/fixes/fix-edits';
import { applyTextEdits } from '../engine/fixes/text-edits';
import { PLACEHOLDER_REASON } from '../engine/fixes/suppress';
import { SUPPRESSION_FILE } from '../engine/policy/suppressions';
import type { DiagnosticData } from './diagnostics';
import type { PositionMapper } from './positions';
import { iocText, isReportable, npmReportUrl } from './report-links';
import { cleanText, isPlainVersion, LIMITS } from '../engine/text/untrusted';
import { AUDIT_VERSION_COMMAND } from './protocol';
import { AUDIT_OFFERED } from './background-audits';
import { lockedPackageOf } from '../engine/audit/audit-project';

/** What the client said it can apply (initialize: workspace.workspaceEdit, textDocument.codeAction, window). */
export interface EditCapabilities {
  /** documentChanges with a CreateFile resource operation. */
  createFiles: boolean;
  /** codeAction/resolve can fill in `edit` (resolveSupport.properties has "edit", and dataSupport). */
  resolve?: boolean;
  /** window/showDocument with a selection. */
  showDocument?: boolean;
}

/**
 * The server command a suppress fix runs after its edit: the server asks the editor
 * (window/showDocument) to open .depwarden.json with the new entry's reason selected,
 * so that the placeholder is replaced while the reason is fresh in mind.
 */
export const REVEAL_COMMAND = 'depwarden.revealSuppressionReason';

/** Arguments of REVEAL_COMMAND. */
export interface RevealArguments {
  uri: string;
  selection: Range;
}

/** What a quick fix carries from codeAction to codeAction/resolve: which fix of which finding. */
export interface FixActionData {
  uri: string;
  generation: number;
  finding: number;
  fix: number;
}

/** How code-actions.ts sees the folder: the published result and how to reach its files. */
export interface FixContext {
  result: ScanResult;
  generation: number;
  /** The open document's text, else the text the engine saw. */
  currentText: (file: string) => string | undefined;
  uriOf: (file: string) => string;
  positions: PositionMapper;
  capabilities: EditCapabilities;
}

const ORIGIN: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Quick fixes for the diagnostics in the request. Edits are only offered when the text
 * the engine saw is still the document's text, so that offsets cannot point at the
 * wrong place. A client that resolves code actions gets each fix without its edit: the
 * edit is computed by resolveFixAction when the user picks it. Others get the edits of the
 * fixes of these diagnostics (never of every finding). A fix that creates a file (the first
 * suppression) is sent as documentChanges: create the file, then insert its text.
 */
export function codeActionsFor(ctx: FixContext, diagnostics: Diagnostic[], documentUri?: string): CodeAction[] {
  const { result, currentText } = ctx;
  const actions: CodeAction[] = [];
  const seen = new Set<string>();
  // One "Report" and one "Copy IOC" per package, whichever of its findings are in range
  // (a version-less typosquat and its lockfile entry offered "Copy IOC (x)" and "Copy IOC (x@1.0.0)").
  const reportable = new Map<string, { findings: Finding[]; diagnostics: Diagnostic[] }>();
  for (const diag of diagnostics) {
    if (diag.source !== 'depwarden') continue;
    const finding = findingOf(diag, ctx, documentUri);
    if (!finding) continue;
    // The finding itself must still describe the text (a fix elsewhere, such as a
    // suppression, would otherwise act on a finding the user may just have edited away).
    const shownIn = [finding.file, ...(finding.also ?? []).map((a) => a.file)];
    if (shownIn.some((file) => currentText(file) !== result.project.texts.get(file))) continue;
    const findingIndex = result.findings.indexOf(finding);
    finding.fixes.forEach((fix, fixIndex) => {
      if (!hasEdits(fix) || seen.has(fix.title)) return;
      const action: CodeAction = {
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diag],
        // Silencing a finding is never the safest answer.
        isPreferred: fix.kind === 'suppress' ? false : (fix.preferred ?? false),
      };
      if (ctx.capabilities.resolve && !needsCreate(fix, ctx)) {
        action.data = { uri: documentUri ?? ctx.uriOf(finding.file), generation: ctx.generation, finding: findingIndex, fix: fixIndex } satisfies FixActionData;
      } else if (!completeAction(action, fix, ctx)) {
        return;
      }
      seen.add(fix.title);
      actions.push(action);
    });
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
  actions.push(...auditActionsFor(ctx, diagnostics, documentUri));
  // Titles name packages and versions from the workspace and the registry: shown in the
  // light bulb menu, so cleaned and bounded like diagnostic messages.
  for (const a of actions) {
    a.title = cleanText(a.title, LIMITS.title);
    if (a.command) a.command.title = a.title;
  }
  return actions;
}

/**
 * codeAction/resolve: the edit of the fix the user picked, computed now. The action names
 * its fix by index in the result it was offered from; if that result was replaced since
 * (a rescan), or the files changed, the action comes back without an edit and nothing
 * happens (the light bulb offers the current fixes again).
 */
export function resolveFixAction(action: CodeAction, ctx: FixContext): CodeAction {
  const data = action.data as Partial<FixActionData> | undefined;
  if (!data || data.generation !== ctx.generation || typeof data.finding !== 'number' || typeof data.fix !== 'number') return action;
  const finding = ctx.result.findings[data.finding];
  const fix = finding?.fixes[data.fix];
  // The title is the one the user saw (cleaned for the menu), so compare what it was made from.
  if (!fix || cleanText(fix.title, LIMITS.title) !== action.title) return action;
  completeAction(action, fix, ctx);
  return action;
}

/**
 * Fills in the action's edit (and, for a suppression, the command that shows its reason).
 * false when the fix has no edit for the current text.
 */
function completeAction(action: CodeAction, fix: Fix, ctx: FixContext): boolean {
  const edits = fixEdits(fix);
  const edit = edits && workspaceEditFor(edits, ctx);
  if (!edit) return false;
  action.edit = edit;
  const reveal = fix.kind === 'suppress' ? revealReasonCommand(edits, ctx) : undefined;
  if (reveal) action.command = reveal;
  return true;
}

/**
 * The first suppression creates .depwarden.json: its edit is computed at once, since
 * whether the client can create files decides if it is offered at all, and the edit is a
 * short string (no file to read).
 */
function needsCreate(fix: Fix, ctx: FixContext): boolean {
  return (fix.kind === 'suppress' && !ctx.result.project.texts.has(SUPPRESSION_FILE)) || Boolean(fix.edits?.some((e) => e.create));
}

/**
 * The command that selects the new entry's placeholder reason in .depwarden.json once the
 * edit is applied, found in the text the edits produce.
 */
function revealReasonCommand(edits: TextEdit[], ctx: FixContext): Command | undefined {
  if (!ctx.capabilities.showDocument || edits.length === 0) return undefined;
  const file = edits[0].file;
  if (edits.some((e) => e.file !== file)) return undefined;
  const before = edits[0].create ? '' : ctx.result.project.texts.get(file);
  if (before === undefined) return undefined;
  const after = applyTextEdits(before, edits);
  const quoted = JSON.stringify(PLACEHOLDER_REASON);
  // The new entry is the one inside the edited text; an older entry may still carry the placeholder.
  const from = Math.min(...edits.map((e) => e.span.start));
  const at = after.indexOf(quoted, from);
  if (at < 0) return undefined;
  const uri = ctx.uriOf(file);
  const selection = ctx.positions.range(uri, after, { start: at + 1, end: at + quoted.length - 1 });
  const args: RevealArguments = { uri, selection };
  return { title: 'Show the reason', command: REVEAL_COMMAND, arguments: [args] };
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
function findingOf(diag: Diagnostic, ctx: FixContext, documentUri: string | undefined): Finding | undefined {
  const { result, generation, uriOf, positions } = ctx;
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

function workspaceEditFor(edits: TextEdit[], ctx: FixContext): WorkspaceEdit | undefined {
  const { result, currentText, uriOf, positions, capabilities } = ctx;
  const changes: Record<string, LspTextEdit[]> = {};
  const creates: string[] = [];
  for (const e of edits) {
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


/**
 * "Audit this version" for each registry package version the diagnostics are about: the
 * client runs the audit command (server request depwarden/auditVersion), whose result
 * arrives as suspicious-code findings. Nothing is downloaded until the user picks it.
 */
function auditActionsFor(ctx: FixContext, diagnostics: Diagnostic[], documentUri?: string): CodeAction[] {
  const out: CodeAction[] = [];
  const seen = new Set<string>();
  for (const diag of diagnostics) {
    if (diag.source !== 'depwarden') continue;
    const finding = findingOf(diag, ctx, documentUri);
    if (!finding?.package || !finding.version || !isPlainVersion(finding.version) || !AUDIT_OFFERED.has(finding.rule)) continue;
    // As for fixes: only while the text the finding was made from is still the document's.
    const shownIn = [finding.file, ...(finding.also ?? []).map((a) => a.file)];
    if (shownIn.some((file) => ctx.currentText(file) !== ctx.result.project.texts.get(file))) continue;
    const name = registryNameOf(ctx.result, finding.package, finding.version);
    if (!name) continue;
    const key = `${name}@${finding.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const title = `Audit the published code of ${key}`;
    out.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [diag], command: { title, command: AUDIT_VERSION_COMMAND, arguments: [documentUri ?? ctx.uriOf(finding.file), name, finding.version] } });
  }
  return out;
}

/** The registry name behind a locked package (an alias's target); undefined when it does not come from a registry. */
function registryNameOf(result: ScanResult, name: string, version: string): string | undefined {
  const p = lockedPackageOf(result.project, name, version);
  if (!p) return name;
  return p.source === 'registry' ? (p.realName ?? p.name) : undefined;
}
