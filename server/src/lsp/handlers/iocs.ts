import { matchesIoc, mergeIocLists, parseIocList } from '../../engine/data/ioc';
import type { IocList } from '../../engine/data/remote-data';
import type { Finding } from '../../engine/model';
import type { Project } from '../../engine/project';
import type { Pipeline } from '../pipeline';
import { CheckIocsRequest, IocTextRequest, type CheckIocsResult } from '../protocol';
import { onRequest } from '../safe-handler';
import type { ServerState } from '../state';

/** "Check Workspace Against Indicators of Compromise", and the texts behind the hovers' "Copy IOC" links. */
export function registerIocs(state: ServerState, pipeline: Pipeline): void {
  onRequest(state.connection, IocTextRequest, state.log, null, (params) => state.iocTexts.get(params?.id) ?? null);

  const none: CheckIocsResult = { accepted: 0, rejected: [], matches: 0 };
  onRequest(state.connection, CheckIocsRequest, state.log, none, async (params) => {
    const parsed = parseIocList(String(params?.text ?? ''));
    // The list stays active for the session, so every later scan matches it too.
    state.iocs = mergeIocLists(state.iocs, parsed.iocs);
    // The whole pipeline, waited for, so the answer can say how many entries matched.
    await Promise.all(state.folders.map((folder) => pipeline.refresh(folder)));
    let matches = 0;
    for (const f of state.folders) {
      const result = f.result;
      if (result) matches += result.findings.filter((x) => isIocMatch(x, result.project, state.iocs)).length;
    }
    return { accepted: [...parsed.iocs.values()].reduce((n, v) => n + v.size, 0), rejected: parsed.rejected.map((r) => r.text), matches };
  });
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
  const lockfile = project.lockfiles.find((l) => l.path === finding.file);
  const locked = lockfile?.packages.find((p) => p.name === finding.package && p.version === finding.version);
  if (locked?.realName) names.push(locked.realName);
  const manifest = project.manifests.find((m) => m.path === finding.file);
  const dep = manifest?.dependencies.find((d) => d.name === finding.package && d.kind === 'alias');
  if (dep?.aliasOf?.name) names.push(dep.aliasOf.name);
  return names;
}
