import { defineRule } from './context';
import { describeTarget, previousRelease, targetReport } from '../data/targets';
import type { Packument } from '../data/remote-data';
import { isValidVersion, releaseParts } from '../text/version';

/**
 * Dependency-confusion and squatting attacks publish absurd versions (99.0.0, 9999.1.1) so
 * that any range, or a higher version than the private one, picks them. Real projects
 * rarely jump ten majors at once.
 */
export const versionAnomaly = defineRule({
  id: 'version-anomaly',
  summary: 'An unusual version jump or a squatted high version.',
  severity: 'warning',
  data: ['registry'],
  fixes: [],
  perName: {},
  check(ctx) {
    for (const t of ctx.data.targets) {
      if (!t.packument || !t.info || !t.version || !isValidVersion(t.version)) continue;
      const why = anomalyOf(t.packument, t.version);
      if (!why) continue;
      const chosen = t.spec !== undefined ? ` "${t.spec}" resolves to it.` : '';
      ctx.report(
        targetReport(t, `${describeTarget(t)}: ${why}, a pattern of squatted and dependency-confusion packages.${chosen}`, {
          span: t.versionSpan,
        }),
      );
    }
  },
});

/** Why a version looks squatted, or undefined. */
export function anomalyOf(packument: Packument, version: string): string | undefined {
  const major = releaseParts(version)[0];
  const prev = previousRelease(packument, version);
  if (!prev) {
    // A package whose first release is already 90.x or more.
    return major >= 90 ? `the first release is ${version}` : undefined;
  }
  const prevMajor = releaseParts(prev.version)[0];
  if (major - prevMajor >= 10 && major >= 3 * (prevMajor + 1)) return `jumps from ${prev.version} to ${version}`;
  return undefined;
}
