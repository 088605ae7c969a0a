import { lockedPackageOf } from '../../engine/audit/audit-project';
import { matchesIoc, mergeIocLists, parseIocList } from '../../engine/data/ioc';
import type { IocList } from '../../engine/data/remote-data';
import type { Finding } from '../../engine/model';
import type { Project } from '../../engine/project';
import type { Pipeline } from '../pipeline';
import { CheckIocsRequest, IocTextRequest, type CheckIocsResult } from '../protocol';
import { onRequest } from '../safe-handler';
import { truncate } from '../../engine/text/untrusted';
import type { ServerState } from '../state';

/** "Check Workspace Against Indicators of Compromise", and the texts behind the hovers' "Copy IOC" links. */
export function registerIocs(state: ServerState, pipeline: Pipeline): void {
  onRequest(state.connection, IocTextRequest, state.log, null, (params) => state.iocTexts.get(params?.id) ?? null);

  const none: CheckIocsResult = { accepted: 0, rejected: [], matches: 0, bareNames: [], message: 'The list could not be checked.' };
  onRequest(state.connection, CheckIocsRequest, state.log, none, async (params) => {
    // A bare name is not an indicator here: see IocParseOptions.
    const parsed = parseIocList(String(params?.text ?? ''), { bareNames: false });
    // The list stays active for the session, so every later scan matches it too.
    state.iocs = mergeIocLists(state.iocs, parsed.iocs);
    // The whole pipeline, waited for, so the answer can say how many entries matched.
    await Promise.all(state.folders.map((folder) => pipeline.refresh(folder, { retryFailed: true })));
    let matches = 0;
    for (const f of state.folders) {
      const result = f.result;
      if (result) matches += result.findings.filter((x) => isIocMatch(x, result.project, state.iocs)).length;
    }
    const accepted = [...parsed.iocs.values()].reduce((n, v) => n + v.size, 0);
    const rejected = parsed.rejected.map((r) => r.text);
    return { accepted, rejected, matches, bareNames: parsed.bareNames, message: checkMessage(accepted, matches, rejected.length, parsed.bareNames) };
  });
}

/** The notice after a check. Names are the user's paste: a few, cut short (the client shows plain text). */
export function checkMessage(accepted: number, matches: number, rejected: number, bareNames: string[]): string {
  const s = (n: number) => (n === 1 ? '' : 's');
  const parts = [
    accepted === 0
      ? 'The list has no name@version entry.'
      : matches > 0
        ? `${matches} locked package${s(matches)} match${matches === 1 ? 'es' : ''} the ${accepted} indicator${s(accepted)}.`
        : `No locked package matches the ${accepted} indicator${s(accepted)}.`,
  ];
  if (rejected) parts.push(`${rejected} entr${rejected === 1 ? 'y was' : 'ies were'} not name@version and ${rejected === 1 ? 'was' : 'were'} ignored.`);
  if (bareNames.length) {
    const shown = bareNames.slice(0, 3).map((n) => truncate(n, 40)).join(', ') + (bareNames.length > 3 ? ', …' : '');
    parts.push(`${bareNames.length} name${s(bareNames.length)} without a version (${shown}) ${bareNames.length === 1 ? 'was' : 'were'} not used: an indicator is name@version, or name@* for every version.`);
  }
  return parts.join(' ');
}

/**
 * A known-malware finding the indicator list accounts for: its package (the name as
 * installed, or the real name behind an alias) is on the list at its version. Decided from
 * the finding's fields and the project, never from the message, whose advisory summary is
 * registry text and may say "indicator" of its own accord.
 */
export function isIocMatch(finding: Finding, project: Project, iocs: IocList): boolean {
  if (finding.rule !== 'known-malware' || !finding.package) return false;
  const version = finding.version ?? undefined;
  return namesOf(finding, project).some((name) => matchesIoc(iocs, name, version));
}

/** The finding's package name, and the registry name it stands for when it is an alias. */
function namesOf(finding: Finding, project: Project): string[] {
  const names = [finding.package!];
  const locked = finding.version ? lockedPackageOf(project, finding.package!, finding.version) : undefined;
  if (locked?.realName) names.push(locked.realName);
  const manifest = project.manifests.find((m) => m.path === finding.file);
  const dep = manifest?.dependencies.find((d) => d.name === finding.package && d.kind === 'alias');
  if (dep?.aliasOf?.name) names.push(dep.aliasOf.name);
  return names;
}
