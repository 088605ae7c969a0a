import { hoverAt } from '../hover';
import { safeHandler } from '../safe-handler';
import type { Pipeline } from '../pipeline';
import type { ServerState } from '../state';

/** The risk card of the dependency or lockfile entry under the cursor (hover.ts renders it). */
export function registerHover(state: ServerState, pipeline: Pipeline): void {
  state.connection.onHover(
    safeHandler('hover', state.log, null, async (params) => {
      const folder = state.folderOf(params.textDocument.uri);
      const rel = folder?.relative(params.textDocument.uri);
      const doc = state.documents.get(params.textDocument.uri);
      if (!folder || rel === undefined || !doc) return null;
      // Right after an edit its findings are out before the full scan: wait for it.
      if (!(await pipeline.upToDate(folder, rel, doc.getText()))) return null; // result is for an older text
      const result = folder.result;
      if (!result) return null;
      const settings = await state.settingsFor(folder);
      if (folder.result !== result) return null; // a new result came while the settings were read
      const coverage = { settings, restricted: settings.restricted };
      return hoverAt(result, rel, doc.offsetAt(params.position), folder.remote, { iocs: state.iocTexts, coverage, lockfileFindings: settings.lockfileFindings, documentUri: params.textDocument.uri });
    }),
  );
}
