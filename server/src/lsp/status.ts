import { shownCount, type LockfileFindings } from './diagnostics';
import type { StatusParams } from './protocol';
import type { WorkspaceFolderState } from './workspace-folder';

/**
 * What the status bar shows: the last published result of every folder, added up. Findings
 * are counted as the Problems panel shows them (once each, twice where
 * depwarden.lockfileFindings is `both`), so that the two counts agree.
 */
export function workspaceStatus(
  folders: WorkspaceFolderState[],
  isOffline: (folder: WorkspaceFolderState) => boolean,
  placement: (folder: WorkspaceFolderState) => LockfileFindings = () => 'auto',
): StatusParams {
  const status: StatusParams = {
    lookingUp: folders.some((f) => f.fetching > 0),
    manifests: 0,
    lockfiles: 0,
    packages: 0,
    unparsed: 0,
    error: 0,
    warning: 0,
    info: 0,
    hint: 0,
    offline: false,
    lookupsIncomplete: 0,
    enabled: false,
  };
  for (const folder of folders) {
    const r = folder.result;
    if (isOffline(folder)) status.offline = true;
    if (!r) continue;
    status.enabled = true;
    for (const f of r.files) {
      if (f.kind === 'manifest') status.manifests++;
      else {
        status.lockfiles++;
        status.packages += f.packages ?? 0;
      }
      if (!f.parsed) status.unparsed++;
    }
    const mode = placement(folder);
    for (const f of r.findings) {
      if (f.suppressed) continue;
      status[f.severity] += shownCount(f, mode);
      if (f.rule === 'lookup-incomplete') status.lookupsIncomplete++;
    }
  }
  return status;
}
