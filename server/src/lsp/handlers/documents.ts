import type { Pipeline } from '../pipeline';
import type { ServerState } from '../state';

/**
 * Open documents: every edit schedules a (debounced) scan of its folder, the edited
 * package.json's own findings first (Pipeline.edited). VS Code opens and
 * closes package.json files in the background; the pipeline skips a scan whose texts are
 * the ones it last scanned, so those cost neither a publish nor a lookup.
 */
export function registerDocuments(state: ServerState, pipeline: Pipeline): void {
  state.documents.onDidChangeContent((e) => {
    const file = state.scannedFile(e.document.uri);
    if (file) pipeline.edited(file.folder, file.rel);
  });

  state.documents.onDidClose((e) => {
    state.deletedOnDisk.delete(e.document.uri);
    const file = state.scannedFile(e.document.uri);
    if (!file) return;
    // Back to the disk copy (unsaved edits are gone).
    void file.folder.refreshFile(file.rel).then(() => pipeline.schedule(file.folder, 0));
  });
}
