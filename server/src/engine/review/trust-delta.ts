import type { VersionInfo } from '../data/remote-data';
import { LIMITS, truncate } from '../text/untrusted';

const RUNS_ON_INSTALL = ['preinstall', 'install', 'postinstall'];

/**
 * What changed between two releases that bears on trust: who published it, provenance,
 * install scripts, executables, dependencies. Empty when nothing did.
 */
export function trustDeltas(prev: VersionInfo, cur: VersionInfo, opts: { onlyPatchDependencies?: boolean; isPatch?: boolean } = {}): string[] {
  const changes: string[] = [];
  if (cur.publisher && prev.publisher && cur.publisher !== prev.publisher) {
    // Publisher names, scripts and dependency names are the publisher's text: capped.
    changes.push(`published by "${truncate(cur.publisher, LIMITS.name)}" where ${prev.version} was published by "${truncate(prev.publisher, LIMITS.name)}"`);
  }
  if (prev.hasProvenance && !cur.hasProvenance) changes.push(`has no provenance attestation although ${prev.version} had one`);
  const newScripts = RUNS_ON_INSTALL.filter((s) => cur.scripts?.[s] && !prev.scripts?.[s]);
  if (newScripts.length && !RUNS_ON_INSTALL.some((s) => prev.scripts?.[s])) {
    changes.push(`gained an install script (${newScripts.map((s) => `${s}: ${truncate(cur.scripts![s], LIMITS.text)}`).join(', ')})`);
  }
  if (cur.hasBin && !prev.hasBin) changes.push('gained a `bin` executable');
  if (!opts.onlyPatchDependencies || opts.isPatch) {
    const added = Object.keys(cur.dependencies ?? {}).filter((d) => !(d in (prev.dependencies ?? {})));
    if (added.length) {
      changes.push(`added ${added.length === 1 ? 'a dependency' : 'dependencies'}${opts.onlyPatchDependencies ? ' in a patch release' : ''} (${truncate(added.join(', '), LIMITS.text)})`);
    }
  }
  return changes;
}
