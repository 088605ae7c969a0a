import * as path from 'node:path';
import { ReportRequest } from '../protocol';
import { renderReport } from '../report';
import { onRequest } from '../safe-handler';
import type { ServerState } from '../state';

/** Markdown of every finding in the workspace (the client's "depwarden: Show Report"). */
export function registerReport(state: ServerState): void {
  onRequest(state.connection, ReportRequest, state.log, '', async () => {
    const entries = await Promise.all(
      state.folders.map(async (f) => ({ name: path.basename(f.root), enabled: (await state.settingsFor(f)).enable, result: f.result, uriOf: (file: string) => f.uriOf(file) })),
    );
    return renderReport(entries, state.positions);
  });
}
