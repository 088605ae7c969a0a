import type { VersionInfo } from '../data/remote-data';
import { LIMITS, truncate } from '../text/untrusted';

const RUNS_ON_INSTALL = ['preinstall', 'install', 'postinstall'];

/** One thing that changed between two releases and bears on trust. */
export interface TrustSignal {
  kind: 'new-publisher' | 'lost-provenance' | 'gained-install-script' | 'gained-bin' | 'added-dependencies';
  /** Plain words, e.g. `published by "x" where 1.0.0 was published by "y"` (publisher text capped). */
  text: string;
  /** The dependencies added, for 'added-dependencies' (name -> spec as published). */
  added?: [name: string, spec: string][];
}

/**
 * What changed between two releases that bears on trust: who published it, provenance,
 * install scripts, executables, dependencies. Empty when nothing did.
 */
export function trustSignals(prev: VersionInfo, cur: VersionInfo, opts: { onlyPatchDependencies?: boolean; isPatch?: boolean } = {}): TrustSignal[] {
  const signals: TrustSignal[] = [];
  if (cur.publisher && prev.publisher && cur.publisher !== prev.publisher) {
    // Publisher names, scripts and dependency names are the publisher's text: capped.
    signals.push({ kind: 'new-publisher', text: `published by "${truncate(cur.publisher, LIMITS.name)}" where ${prev.version} was published by "${truncate(prev.publisher, LIMITS.name)}"` });
  }
  if (prev.hasProvenance && !cur.hasProvenance) signals.push({ kind: 'lost-provenance', text: `has no provenance attestation although ${prev.version} had one` });
  const newScripts = RUNS_ON_INSTALL.filter((s) => cur.scripts?.[s] && !prev.scripts?.[s]);
  if (newScripts.length && !RUNS_ON_INSTALL.some((s) => prev.scripts?.[s])) {
    signals.push({ kind: 'gained-install-script', text: `gained an install script (${newScripts.map((s) => `${s}: ${truncate(cur.scripts![s], LIMITS.text)}`).join(', ')})` });
  }
  if (cur.hasBin && !prev.hasBin) signals.push({ kind: 'gained-bin', text: 'gained a `bin` executable' });
  if (!opts.onlyPatchDependencies || opts.isPatch) {
    const deps = cur.dependencies ?? {};
    const added = Object.keys(deps)
      .filter((d) => !(d in (prev.dependencies ?? {})))
      .map((d): [string, string] => [d, deps[d]]);
    if (added.length) {
      const names = truncate(added.map(([d]) => d).join(', '), LIMITS.text);
      signals.push({ kind: 'added-dependencies', text: `added ${added.length === 1 ? 'a dependency' : 'dependencies'}${opts.onlyPatchDependencies ? ' in a patch release' : ''} (${names})`, added });
    }
  }
  return signals;
}

/** The same changes as plain lines (the lockfile review lists them). */
export function trustDeltas(prev: VersionInfo, cur: VersionInfo, opts: { onlyPatchDependencies?: boolean; isPatch?: boolean } = {}): string[] {
  return trustSignals(prev, cur, opts).map((s) => s.text);
}
