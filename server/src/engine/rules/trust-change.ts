import semver from 'semver';
import { defineRule } from './context';
import { trustDeltas } from '../review/trust-delta';
import { describeTarget, previousRelease, targetReport } from '../data/targets';

/**
 * A hijacked release looks different from the ones before it: someone else published it,
 * it lacks the provenance the project's CI used to attach, it suddenly runs a script on
 * install, ships a new executable, or pulls in a new dependency in a mere patch release.
 */
export const trustChange = defineRule({
  id: 'trust-change',
  summary: 'Compared with the previous release, something that signals trust changed.',
  severity: 'warning',
  data: ['registry'],
  fixes: [],
  check(ctx) {
    for (const t of ctx.data.targets) {
      if (!t.packument || !t.info || !t.version) continue;
      const prev = previousRelease(t.packument, t.version);
      if (!prev) continue;
      const changes = trustDeltas(prev, t.info, { onlyPatchDependencies: true, isPatch: isPatchBump(prev.version, t.version) });
      if (changes.length === 0) continue;
      ctx.report(
        targetReport(t, `${describeTarget(t)}, compared with ${prev.version}: ${changes.join('; ')}. Hijacked releases look like this; check the release before trusting it.`, {
          span: t.versionSpan,
          evidence: changes,
        }),
      );
    }
  },
});

function isPatchBump(from: string, to: string): boolean {
  return semver.major(from) === semver.major(to) && semver.minor(from) === semver.minor(to) && semver.gt(to, from);
}
