import type { Settings } from '../engine/model';
import type { Project } from '../engine/project';
import type { DataCache } from '../engine/data/cache';
import type { RemoteData } from '../engine/data/remote-data';
import type { AuditResult } from '../engine/audit/model';
import { evaluateTargets } from '../engine/data/targets';
import { auditTargets, projectAuditor, selectAuditTargets, type AuditMode } from '../engine/audit/audit-project';

/**
 * `depwarden scan --audit`: reads the tarballs of the selected versions (in memory, never
 * run) and puts the results into the remote data, where the suspicious-code rule reports
 * them. Results are cached by tarball sha512, so a second run downloads nothing.
 */
export async function auditProject(project: Project, settings: Settings, remote: RemoteData, cache: DataCache, mode: AuditMode, progress: (msg: string) => void): Promise<void> {
  const targets = selectAuditTargets(evaluateTargets(project, settings, remote), mode);
  const auditor = projectAuditor(project.npmrc, settings, cache, process.env);
  let lastShown = 0;
  let results: Map<string, AuditResult>;
  try {
    results = await auditTargets(auditor, targets, {
      onProgress: (done, total) => {
        if (done === total || done - lastShown >= 25) {
          lastShown = done;
          progress(`${done}/${total} packages audited`);
        }
      },
    });
  } finally {
    await auditor.close();
  }
  // Joined to what the cache already held for the lockfiles (fetchRemoteData): this run's answer wins.
  remote.audits ??= new Map();
  for (const [key, result] of results) remote.audits.set(key, result);
  const fromCache = [...results.values()].filter((r) => r.status === 'ok' && r.fromCache).length;
  progress(`audit: ${targets.length} version${targets.length === 1 ? '' : 's'} (${mode === 'all' ? 'all' : 'with install scripts'}), ${fromCache} from cache, ${auditor.requests} request${auditor.requests === 1 ? '' : 's'}, ${auditor.bytesDownloaded} bytes`);
}
