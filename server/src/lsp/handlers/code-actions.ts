import type { CodeAction } from 'vscode-languageserver';
import { codeActionsFor, resolveFixAction, REVEAL_COMMAND, type FixActionData, type FixContext, type RevealArguments } from '../code-actions';
import { SUPPRESSION_FILE } from '../../engine/policy/suppressions';
import { unshownDiagnostics } from '../diagnostics';
import { safeHandler } from '../safe-handler';
import type { Pipeline } from '../pipeline';
import type { ServerState } from '../state';
import type { WorkspaceFolderState } from '../workspace-folder';

/**
 * Quick fixes for depwarden's diagnostics (code-actions.ts makes them from the published
 * result), their edits on codeAction/resolve, and the command a suppression runs to show
 * its reason.
 */
export function registerCodeActions(state: ServerState, pipeline: Pipeline): void {
  const contextOf = (folder: WorkspaceFolderState): FixContext | undefined => {
    const result = folder.result;
    if (!result) return undefined;
    return {
      result,
      generation: folder.resultGeneration,
      // The open document's text, else the text the engine saw: edits apply only where they are equal.
      currentText: (file) => state.documents.get(folder.uriOf(file))?.getText() ?? result.project.texts.get(file),
      uriOf: (file) => folder.uriOf(file),
      positions: state.positions,
      capabilities: state.capabilities.edits,
    };
  };

  state.connection.onCodeAction(
    safeHandler('codeAction', state.log, [], async (params) => {
      const folder = state.folderOf(params.textDocument.uri);
      const rel = folder?.relative(params.textDocument.uri);
      const doc = state.documents.get(params.textDocument.uri);
      // Right after an edit its findings are out before the full scan, whose result the fixes are made from.
      if (folder && rel !== undefined && doc && state.scannedFile(doc.uri)) await pipeline.upToDate(folder, rel, doc.getText());
      const ctx = folder && contextOf(folder);
      if (!folder || !ctx) return [];
      // A finding shown at its other place (depwarden.lockfileFindings) still offers its fixes here.
      const { lockfileFindings } = await state.settingsFor(folder);
      const { result, generation, uriOf } = ctx;
      const elsewhere = rel === undefined ? [] : unshownDiagnostics(result.findings, generation, rel, params.range, uriOf, (file) => result.project.texts.get(file), state.positions, lockfileFindings);
      return codeActionsFor(ctx, [...params.context.diagnostics, ...elsewhere], params.textDocument.uri);
    }),
  );

  state.connection.onCodeActionResolve((action: CodeAction, token) =>
    safeHandler('codeAction/resolve', state.log, action, (a: CodeAction) => {
      const uri = (a.data as Partial<FixActionData> | undefined)?.uri;
      const folder = typeof uri === 'string' ? state.folderOf(uri) : undefined;
      const ctx = folder && contextOf(folder);
      return ctx ? resolveFixAction(a, ctx) : a;
    })(action, token),
  );

  state.connection.onExecuteCommand(
    safeHandler('executeCommand', state.log, undefined, async (params) => {
      if (params.command !== REVEAL_COMMAND) return undefined;
      const args = params.arguments?.[0] as Partial<RevealArguments> | undefined;
      if (typeof args?.uri !== 'string' || !args.selection) return undefined;
      // Only a folder's .depwarden.json (the command's arguments come back from the client).
      const folder = state.folderOf(args.uri);
      if (!folder || folder.uriOf(SUPPRESSION_FILE) !== args.uri) return undefined;
      // The editor may refuse while the file the fix just created is still being opened
      // (seen once in the e2e run): the reason would then stay unselected, so ask again once.
      const show = () => state.connection.window.showDocument({ uri: args.uri!, takeFocus: true, selection: args.selection });
      if ((await show()).success) return undefined;
      state.log(`[warn] the editor did not show ${args.uri}; asking again`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (!(await show()).success) state.log(`[warn] the editor did not show ${args.uri}`);
      return undefined;
    }),
  );
}
