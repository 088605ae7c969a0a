import { hoverAt } from '../hover';
import { safeHandler } from '../safe-handler';
import type { ServerState } from '../state';

/** The risk card of the dependency or lockfile entry under the cursor (hover.ts renders it). */
export function registerHover(state: ServerState): void {
  state.connection.onHover(
    safeHandler('hover', state.log, null, async (params) => {
      const folder = state.folderOf(params.textDocument.uri);
      const rel = folder?.relative(params.textDocument.uri);
      const doc = state.documents.get(params.textDocument.uri);
      if (!folder?.result || rel === undefined || !doc) return null;
      if (folder.result.project.texts.get(rel) !== doc.getText()) return null; // result is for an older text
      const result = folder.result;
      const settings = await state.settingsFor(folder);
      if (folder.result !== result) return null; // a new result came while the settings were read
      const coverage = { settings, restricted: settings.restricted };
      return hoverAt(result, rel, doc.offsetAt(params.position), folder.remote, { iocs: state.iocTexts, coverage, lockfileFindings: settings.lockfileFindings });
    }),
  );
}
