import semver from 'semver';
import type { Finding } from '../model';
import type { Rule } from './context';
import { describeTarget, previousRelease, remoteTargets, targetFinding } from '../data/targets';

const RUNS_ON_INSTALL = ['preinstall', 'install', 'postinstall'];

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
      const cur = t.info;
      const changes: string[] = [];
      if (cur.publisher && prev.publisher && cur.publisher !== prev.publisher) {
        changes.push(`published by "${cur.publisher}" where ${prev.version} was published by "${prev.publisher}"`);
      }
      if (prev.hasProvenance && !cur.hasProvenance) changes.push(`has no provenance attestation although ${prev.version} had one`);
      const newScripts = RUNS_ON_INSTALL.filter((s) => cur.scripts?.[s] && !prev.scripts?.[s]);
      if (newScripts.length && !RUNS_ON_INSTALL.some((s) => prev.scripts?.[s])) {
        changes.push(`gained an install script (${newScripts.map((s) => `${s}: ${cur.scripts![s]}`).join(', ')})`);
      }
      if (cur.hasBin && !prev.hasBin) changes.push('gained a `bin` executable');
      if (isPatchBump(prev.version, t.version)) {
        const added = Object.keys(cur.dependencies ?? {}).filter((d) => !(d in (prev.dependencies ?? {})));
        if (added.length) changes.push(`added ${added.length === 1 ? 'a dependency' : 'dependencies'} in a patch release (${added.join(', ')})`);
      }
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
