import semver from 'semver';
import type { Finding } from '../model';
import type { Rule } from './context';
import { describeTarget, previousRelease, remoteTargets, targetFinding } from '../data/targets';
import type { Packument } from '../data/remote-data';

/**
 * Dependency-confusion and squatting attacks publish absurd versions (99.0.0, 9999.1.1) so
 * that any range, or a higher version than the private one, picks them. Real projects
 * rarely jump ten majors at once.
 */
export const versionAnomaly: Rule = {
  id: 'version-anomaly',
  defaultSeverity: 'warning',
  needsRemote: true,
  run(ctx) {
    const findings: Finding[] = [];
    for (const t of remoteTargets(ctx)) {
      if (!t.packument || !t.info || !t.version || !semver.valid(t.version)) continue;
      const why = anomalyOf(t.packument, t.version);
      if (!why) continue;
      const chosen = t.spec !== undefined ? ` "${t.spec}" resolves to it.` : '';
      findings.push(
        targetFinding(t, 'version-anomaly', 'warning', `${describeTarget(t)}: ${why}, a pattern of squatted and dependency-confusion packages.${chosen}`, {
          span: t.versionSpan,
        }),
      );
    }
    return findings;
  },
};

/** Why a version looks squatted, or undefined. */
export function anomalyOf(packument: Packument, version: string): string | undefined {
  const major = semver.major(version);
  const prev = previousRelease(packument, version);
  if (!prev) {
    // A package whose first release is already 90.x or more.
    return major >= 90 ? `the first release is ${version}` : undefined;
  }
  const prevMajor = semver.major(prev.version);
  if (major - prevMajor >= 10 && major >= 3 * (prevMajor + 1)) return `jumps from ${prev.version} to ${version}`;
  return undefined;
}
