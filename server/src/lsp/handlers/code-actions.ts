import { codeActionsFor } from '../code-actions';
import { unshownDiagnostics } from '../diagnostics';
import { safeHandler } from '../safe-handler';
import type { ServerState } from '../state';

/** Quick fixes for depwarden's diagnostics (code-actions.ts computes them from the published result). */
export function registerCodeActions(state: ServerState): void {
  state.connection.onCodeAction(
    safeHandler('codeAction', state.log, [], async (params) => {
      const folder = state.folderOf(params.textDocument.uri);
      const result = folder?.result;
      if (!folder || !result) return [];
      const generation = folder.resultGeneration;
      // The open document's text, else the text the engine saw: edits apply only where they are equal.
      const currentText = (file: string) => state.documents.get(folder.uriOf(file))?.getText() ?? result.project.texts.get(file);
      const uriOf = (file: string) => folder.uriOf(file);
      // A finding shown at its other place (depwarden.lockfileFindings) still offers its fixes here.
      const rel = folder.relative(params.textDocument.uri);
      const { lockfileFindings } = await state.settingsFor(folder);
      const elsewhere = rel === undefined ? [] : unshownDiagnostics(result.findings, generation, rel, params.range, uriOf, (file) => result.project.texts.get(file), state.positions, lockfileFindings);
      const diagnostics = [...params.context.diagnostics, ...elsewhere];
      return codeActionsFor(result, generation, diagnostics, currentText, uriOf, state.positions, state.capabilities.edits, params.textDocument.uri);
    }),
  );
}
