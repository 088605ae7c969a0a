import type { Finding } from '../model';
import type { Rule } from './context';
import { describeTarget, remoteTargets, targetFinding } from '../data/targets';
import { managerOfLockfile, policyFor, readReleaseAgePolicies, type PackageManager } from '../policy/release-age';
import { formatAge } from './new-package';

const DAY = 24 * 3600_000;

/**
 * Hijacked releases are usually found and pulled within hours to days (chalk/debug 2025:
 * about two hours). A version younger than the cooldown has not had that time. The
 * project's own gate (npm min-release-age/before, pnpm minimumReleaseAge, yarn
 * npmMinimalAgeGate, bun minimumReleaseAge) sets the cooldown where it exists.
 */
export const releaseCooldown: Rule = {
  id: 'release-cooldown',
  defaultSeverity: 'warning',
  needsRemote: true,
  run(ctx) {
    const findings: Finding[] = [];
    const policies = readReleaseAgePolicies(ctx.project);
    for (const t of remoteTargets(ctx)) {
      if (!t.packument || !t.version) continue;
      const published = Date.parse(t.packument.time[t.version] ?? '');
      if (Number.isNaN(published)) continue;
      const manager: PackageManager | undefined = t.lockfile ? managerOfLockfile(t.lockfile.format) : managerOfManifest(t.manifest?.packageManager);
      const policy = policyFor(policies, manager, t.name);
      const age = ctx.now.getTime() - published;
      let why: string | undefined;
      if (policy) {
        if (policy.before && published > policy.before.getTime()) why = `after the date ${policy.source} allows`;
        else if (policy.minAgeMs && age < policy.minAgeMs) why = `younger than ${formatAge(policy.minAgeMs)} (${policy.source})`;
      } else if (age < ctx.settings.cooldownDays * DAY) {
        why = `younger than the ${ctx.settings.cooldownDays}-day cooldown (setting depwarden.cooldownDays)`;
      }
      if (!why) continue;
      const when = age < 0 ? 'just now' : `${formatAge(age)} ago`;
      findings.push(
        targetFinding(t, 'release-cooldown', 'warning', `${describeTarget(t)} was published ${when}, ${why}. Fresh releases are where hijacked versions live until they are caught; prefer the previous release for now.`, {
          span: t.versionSpan,
          evidence: [`published: ${t.packument.time[t.version]}`],
        }),
      );
    }
    return findings;
  },
};

function managerOfManifest(packageManager: string | undefined): PackageManager | undefined {
  const m = /^(npm|pnpm|yarn|bun)@/.exec(packageManager ?? '');
  return m ? (m[1] as PackageManager) : undefined;
}
