import { codeActionsFor } from '../code-actions';
import { safeHandler } from '../safe-handler';
import type { ServerState } from '../state';

/** Quick fixes for depwarden's diagnostics (code-actions.ts computes them from the published result). */
export function registerCodeActions(state: ServerState): void {
  state.connection.onCodeAction(
    safeHandler('codeAction', state.log, [], (params) => {
      const folder = state.folderOf(params.textDocument.uri);
      const result = folder?.result;
      if (!folder || !result) return [];
      // The open document's text, else the text the engine saw: edits apply only where they are equal.
      const currentText = (file: string) => state.documents.get(folder.uriOf(file))?.getText() ?? result.project.texts.get(file);
      const uriOf = (file: string) => folder.uriOf(file);
      const { diagnostics } = params.context;
      return codeActionsFor(result, folder.resultGeneration, diagnostics, currentText, uriOf, state.positions, state.capabilities.edits, params.textDocument.uri);
    }),
  );
}
