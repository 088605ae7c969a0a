import { auditKey, lockedPackageOf, projectAuditor } from '../../engine/audit/audit-project';
import { highestSeverity, type AuditResult } from '../../engine/audit/model';
import { cleanText, isPlainVersion, LIMITS } from '../../engine/text/untrusted';
import { isPackageName } from '../markdown';
import type { Pipeline } from '../pipeline';
import { AuditVersionRequest, type AuditVersionResult } from '../protocol';
import { onRequest } from '../safe-handler';
import type { ServerState } from '../state';

/**
 * "Audit this version" (light bulb): downloads the version's tarball through the folder's
 * registry settings, reads it in memory (never extracted, never run), keeps the result for
 * the session and re-checks the folder, so that what it found shows as suspicious-code
 * findings where the version is declared and locked.
 */
export function registerAudit(state: ServerState, pipeline: Pipeline): void {
  const refused = (summary: string): AuditVersionResult => ({ status: 'refused', summary });
  onRequest(state.connection, AuditVersionRequest, state.log, refused('depwarden: the audit could not run (see the Output panel).'), async (params) => {
    const name = typeof params?.name === 'string' ? params.name : '';
    const version = typeof params?.version === 'string' ? params.version : '';
    // Both come from a code action's arguments, which a client could send as anything.
    if (!isPackageName(name) || !isPlainVersion(version)) return refused('depwarden: not a package name and version.');
    const folder = typeof params?.uri === 'string' ? state.folderOf(params.uri) : state.folders[0];
    if (!folder) return refused('depwarden: that file is not in a workspace folder.');
    const settings = await state.settingsFor(folder);
    const npmrc = folder.result?.project.npmrc;
    if (!npmrc) return refused('depwarden: the folder has not been checked yet; try again in a moment.');
    // Restricted Mode and the offline setting: nothing is downloaded (the auditor says so).
    const auditor = projectAuditor(npmrc, settings, state.dataCache, process.env);
    // The tarball must match what was locked (the code action names the registry name, which is the installed one but for aliases).
    const locked = lockedPackageOf(folder.result!.project, name, version);
    let result: AuditResult;
    try {
      result = await auditor.audit({ name, version, ...(locked?.source === 'registry' ? { lockfile: { integrity: locked.integrity, resolved: locked.resolved } } : {}) });
    } finally {
      await auditor.close();
    }
    state.audits.set(auditKey(name, version), result);
    await Promise.all(state.folders.map((f) => pipeline.refresh(f)));
    return summaryOf(result);
  });
}

function summaryOf(result: AuditResult): AuditVersionResult {
  const who = `${cleanText(result.name, LIMITS.name)}@${cleanText(result.version, LIMITS.version)}`;
  if (result.status === 'error') return { status: 'error', summary: `depwarden: ${who} was not audited (${result.kind}): ${cleanText(result.reason, LIMITS.text)}` };
  const count = (s: 'high' | 'medium' | 'low') => result.signals.filter((x) => x.severity === s).length;
  const [high, medium, low] = [count('high'), count('medium'), count('low')];
  const worst = highestSeverity(result.signals);
  const files = `${result.stats.files} file${result.stats.files === 1 ? '' : 's'} read`;
  const summary = worst
    ? `depwarden: ${who}: ${high} high, ${medium} medium, ${low} low signal${result.signals.length === 1 ? '' : 's'} (${files}); see the suspicious-code finding.`
    : `depwarden: ${who}: nothing suspicious in its published code (${files}${result.fromCache ? ', audited before' : ''}).`;
  return { status: 'ok', summary, high, medium, low };
}
