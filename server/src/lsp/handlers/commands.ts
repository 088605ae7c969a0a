import type { Pipeline } from '../pipeline';
import { ClearCacheRequest, ScanRequest } from '../protocol';
import { onRequest } from '../safe-handler';
import type { ServerState } from '../state';

/** "Scan Workspace" and "Clear Cache": read every folder again and run it through the pipeline. */
export function registerCommands(state: ServerState, pipeline: Pipeline): void {
  onRequest(state.connection, ScanRequest, state.log, { folders: 0 }, async () => {
    state.forgetSettings();
    await Promise.all(state.folders.map((f) => pipeline.reload(f, { retryFailed: true })));
    return { folders: state.folders.length };
  });

  onRequest(state.connection, ClearCacheRequest, state.log, { cleared: false }, async () => {
    await state.dataCache.clear();
    pipeline.forgetData();
    await Promise.all(state.folders.map((f) => pipeline.reload(f)));
    return { cleared: true };
  });
}
