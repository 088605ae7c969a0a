import semver from 'semver';
import type { Finding } from '../model';
import type { Rule } from './context';
import { trustDeltas } from '../review/trust-delta';
import { describeTarget, previousRelease, remoteTargets, targetFinding } from '../data/targets';

/**
 * A hijacked release looks different from the ones before it: someone else published it,
 * it lacks the provenance the project's CI used to attach, it suddenly runs a script on
 * install, ships a new executable, or pulls in a new dependency in a mere patch release.
 */
export const trustChange: Rule = {
  id: 'trust-change',
  defaultSeverity: 'warning',
  needsRemote: true,
  run(ctx) {
    const findings: Finding[] = [];
    for (const t of remoteTargets(ctx)) {
      if (!t.packument || !t.info || !t.version) continue;
      const prev = previousRelease(t.packument, t.version);
      if (!prev) continue;
      const changes = trustDeltas(prev, t.info, { onlyPatchDependencies: true, isPatch: isPatchBump(prev.version, t.version) });
      if (changes.length === 0) continue;
      findings.push(
        targetFinding(t, 'trust-change', 'warning', `${describeTarget(t)}, compared with ${prev.version}: ${changes.join('; ')}. Hijacked releases look like this; check the release before trusting it.`, {
          span: t.versionSpan,
          evidence: changes,
        }),
      );
    }
    return findings;
  },
};

function isPatchBump(from: string, to: string): boolean {
  return semver.major(from) === semver.major(to) && semver.minor(from) === semver.minor(to) && semver.gt(to, from);
}
