import semver from 'semver';
import type { Fix } from '../model';
import type { Packument } from '../data/remote-data';
import { defineRule } from './context';
import { describeTarget, targetReport } from '../data/targets';
import { managerOfLockfile, policyFor, readReleaseAgePolicies, type PackageManager } from '../policy/release-age';
import { DAY, formatAge } from './new-package';
import { isPlainVersion } from '../text/untrusted';

/**
 * Hijacked releases are usually found and pulled within hours to days (chalk/debug 2025:
 * about two hours). A version younger than the cooldown has not had that time. The
 * project's own gate (npm min-release-age/before, pnpm minimumReleaseAge, yarn
 * npmMinimalAgeGate, bun minimumReleaseAge) sets the cooldown where it exists.
 */
export const releaseCooldown = defineRule({
  id: 'release-cooldown',
  summary: 'The resolved version was published very recently.',
  severity: 'warning',
  data: ['registry'],
  fixes: ['pin'],
  perName: {},
  check(ctx) {
    const policies = readReleaseAgePolicies(ctx.project);
    for (const t of ctx.data.targets) {
      // A dist-tag can name any string as a version; semver would throw on it below and
      // take the rule down for every package of the scan.
      if (!t.packument || !isPlainVersion(t.version)) continue;
      const published = t.packument.publishedAt(t.version);
      if (published === undefined) continue;
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
      const cutoff = ctx.now.getTime() - (policy?.minAgeMs ?? ctx.settings.cooldownDays * DAY);
      const safer = newestSettledVersion(t.packument, Math.min(cutoff, policy?.before?.getTime() ?? Infinity), t.dependency?.kind === 'alias' ? t.dependency.aliasOf?.spec : t.dependency?.spec, t.version);
      const fixes: Fix[] = safer
        ? [{ title: `Pin to ${safer} (published ${formatAge(ctx.now.getTime() - t.packument.publishedAt(safer)!)} ago)`, kind: 'pin', version: safer, preferred: true }]
        : [];
      ctx.report(
        targetReport(t, `${describeTarget(t)} was published ${when}, ${why}. Fresh releases are where hijacked versions live until they are caught; prefer the previous release for now.`, {
          span: t.versionSpan,
          evidence: [`published: ${t.packument.time(t.version)}`, ...(safer ? [`newest release older than the cooldown: ${safer}`] : [])],
          fixes,
        }),
      );
    }
  },
});

/**
 * The newest stable release published before `cutoff`, preferring one the declared range
 * accepts, and never newer than the version in question: the version to pin to while the
 * fresh one cools down.
 */
export function newestSettledVersion(packument: Packument, cutoff: number, range: string | undefined, current: string): string | undefined {
  const settled = packument.versionNames.filter((v) => {
    const published = packument.publishedAt(v);
    // Version keys are the registry's: only plain versions may become the pin.
    return isPlainVersion(v) && !semver.prerelease(v) && published !== undefined && published <= cutoff && semver.lt(v, current) && !packument.version(v)!.deprecated;
  });
  const validRange = range && semver.validRange(range) ? range : undefined;
  const inRange = validRange ? settled.filter((v) => semver.satisfies(v, validRange)) : [];
  const pool = inRange.length ? inRange : settled.filter((v) => semver.major(v) === semver.major(current));
  return pool.sort(semver.rcompare)[0];
}

function managerOfManifest(packageManager: string | undefined): PackageManager | undefined {
  const m = /^(npm|pnpm|yarn|bun)@/.exec(packageManager ?? '');
  return m ? (m[1] as PackageManager) : undefined;
}
