import { FileChangeType, type FileEvent } from 'vscode-languageserver';
import type { Lockfile } from '../../engine/model';
import { parseLockfile } from '../../engine/lockfile';
import { roleOfPath } from '../../engine/project';
import type { Pipeline } from '../pipeline';
import type { ServerState } from '../state';
import type { WorkspaceFolderState } from '../workspace-folder';
import { lockfileChangedOnDisk } from './review';

/**
 * Files changed on disk (saves, installs, branch switches): each is read again through
 * the engine's safe reader (workspace-folder.ts), its folder is scanned, and a lockfile
 * change is reviewed once the new scan is complete.
 */
export function registerFiles(state: ServerState, pipeline: Pipeline): void {
  state.connection.onDidChangeWatchedFiles(async (params) => {
    const touched = new Set<WorkspaceFolderState>();
    // What sources use is not in the scanned texts, and a lockfile's review waits for a
    // settled scan: a change to either always scans, even when an open tab already showed
    // the new text (its scan found nothing new to publish, and so never settled).
    const forced = new Set<WorkspaceFolderState>();
    for (const change of params.changes) {
      const folder = state.folderOf(change.uri);
      const rel = folder?.relative(change.uri);
      if (!folder || rel === undefined) continue;
      const before = roleOfPath(rel) === 'lockfile' ? lockfileOnDisk(folder, rel) : undefined;
      await readAgain(state, folder, rel, change);
      touched.add(folder);
      if (before) lockfileChangedOnDisk(state, folder, rel, before);
      if (before || roleOfPath(rel) === 'source') forced.add(folder);
    }
    for (const f of touched) pipeline.schedule(f, undefined, forced.has(f));
  });
}

/**
 * The lockfile as it was on disk before this change, to review the change against. Not the
 * last scan's: with the file open in a tab, VS Code hands the new text over as an edit
 * (didChange), before or after this event, and that scan may already have seen it.
 */
function lockfileOnDisk(folder: WorkspaceFolderState, rel: string): Lockfile | undefined {
  const text = folder.diskText(rel);
  if (text === undefined) return undefined;
  const scanned = folder.result?.project.lockfiles.find((l) => l.path === rel);
  return scanned && folder.result?.project.texts.get(rel) === text ? scanned : parseLockfile(rel, text);
}

async function readAgain(state: ServerState, folder: WorkspaceFolderState, rel: string, change: FileEvent): Promise<void> {
  // An open document's text wins over the disk copy; the disk copy still matters once it closes.
  await folder.refreshFile(rel);
  // A deleted file's tab may stay open: its text must no longer stand in for the file.
  if (change.type === FileChangeType.Deleted) {
    state.positions.forget(change.uri);
    if (state.documents.get(change.uri)) state.deletedOnDisk.add(change.uri);
  } else state.deletedOnDisk.delete(change.uri);
}
