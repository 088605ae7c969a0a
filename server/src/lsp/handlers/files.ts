import { FileChangeType, type FileEvent } from 'vscode-languageserver';
import type { Lockfile } from '../../engine/model';
import { roleOfPath } from '../../engine/project';
import type { Pipeline } from '../pipeline';
import type { ServerState } from '../state';
import type { WorkspaceFolderState } from '../workspace-folder';
import { reviewWhenScanned } from './review';

/**
 * Files changed on disk (saves, installs, branch switches): each is read again through
 * the engine's safe reader (workspace-folder.ts), its folder is scanned, and a lockfile
 * change is reviewed once the new scan is complete.
 */
export function registerFiles(state: ServerState, pipeline: Pipeline): void {
  state.connection.onDidChangeWatchedFiles(async (params) => {
    const touched = new Set<WorkspaceFolderState>();
    // What sources use is not in the scanned texts: a change to one always rescans.
    const usageChanged = new Set<WorkspaceFolderState>();
    const previousLockfiles = new Map<WorkspaceFolderState, Map<string, Lockfile>>();
    for (const change of params.changes) {
      const folder = state.folderOf(change.uri);
      const rel = folder?.relative(change.uri);
      if (!folder || rel === undefined) continue;
      rememberLockfile(previousLockfiles, folder, rel);
      await readAgain(state, folder, rel, change);
      touched.add(folder);
      if (roleOfPath(rel) === 'source') usageChanged.add(folder);
    }
    for (const f of touched) pipeline.schedule(f, undefined, usageChanged.has(f));
    for (const [folder, previous] of previousLockfiles) void reviewWhenScanned(state, folder, previous);
  });
}

/** The lockfile as the last scan saw it, to review the change against. */
function rememberLockfile(previous: Map<WorkspaceFolderState, Map<string, Lockfile>>, folder: WorkspaceFolderState, rel: string): void {
  const before = folder.result?.project.lockfiles.find((l) => l.path === rel);
  if (!before || roleOfPath(rel) !== 'lockfile') return;
  if (!previous.has(folder)) previous.set(folder, new Map());
  previous.get(folder)!.set(rel, before);
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
