import * as path from 'node:path';
import { ReportRequest } from '../protocol';
import { renderReport } from '../report';
import { onRequest } from '../safe-handler';
import type { ServerState } from '../state';

/** Markdown of every finding in the workspace (the client's "depwarden: Show Report"). */
export function registerReport(state: ServerState): void {
  onRequest(state.connection, ReportRequest, state.log, '', async (params) => {
    const entries = await Promise.all(
      state.folders.map(async (f) => {
        const settings = await state.settingsFor(f);
        return { name: path.basename(f.root), enabled: settings.enable, result: f.result, uriOf: (file: string) => f.uriOf(file), coverage: { settings, restricted: settings.restricted } };
      }),
    );
    return renderReport(entries, state.positions, linkBase(state, params?.linkBase));
  });
}

/** The client's first workspace folder (a file: URI), else the server's. */
export function linkBase(state: ServerState, fromClient: unknown): string | undefined {
  if (typeof fromClient === 'string' && fromClient.startsWith('file:')) return fromClient;
  return state.folders[0]?.uri;
}
