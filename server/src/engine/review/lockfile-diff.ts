import semver from 'semver';
import type { LockedPackage, Lockfile } from '../model';

export type ChangeKind = 'added' | 'removed' | 'upgraded' | 'downgraded';

/** One package-level change between two versions of a lockfile. */
export interface PackageChange {
  kind: ChangeKind;
  name: string;
  /** The version before (removed, upgraded, downgraded). */
  from?: string;
  /** The version after (added, upgraded, downgraded). */
  to?: string;
  /** The entry in the new lockfile (added, upgraded, downgraded), for spans and via. */
  entry?: LockedPackage;
}

function installed(l: Lockfile | undefined): Map<string, Map<string, LockedPackage>> {
  const byName = new Map<string, Map<string, LockedPackage>>();
  for (const p of l?.packages ?? []) {
    if (p.source === 'link' || p.source === 'workspace' || p.source === 'directory') continue;
    const name = p.realName ?? p.name;
    if (!byName.has(name)) byName.set(name, new Map());
    const versions = byName.get(name)!;
    if (!versions.has(p.version)) versions.set(p.version, p);
  }
  return byName;
}

function byVersion(a: string, b: string): number {
  return semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What a lockfile change brings in, by package name: a name that only appears after is
 * added, one that disappears is removed, and a name whose set of versions changed is
 * upgraded (or downgraded) from its highest old version to each new one.
 */
export function diffLockfiles(before: Lockfile | undefined, after: Lockfile): PackageChange[] {
  const old = installed(before);
  const now = installed(after);
  const changes: PackageChange[] = [];
  for (const [name, versions] of now) {
    const oldVersions = old.get(name);
    const fresh = [...versions.keys()].filter((v) => !oldVersions?.has(v)).sort(byVersion);
    if (!oldVersions) {
      for (const v of fresh) changes.push({ kind: 'added', name, to: v, entry: versions.get(v) });
      continue;
    }
    const gone = [...oldVersions.keys()].filter((v) => !versions.has(v)).sort(byVersion);
    const base = (gone.length ? gone : [...oldVersions.keys()].sort(byVersion)).at(-1)!;
    for (const v of fresh) {
      changes.push({ kind: byVersion(v, base) >= 0 ? 'upgraded' : 'downgraded', name, from: base, to: v, entry: versions.get(v) });
    }
    // Versions that vanished without a replacement are removals (a deduplication).
    if (fresh.length === 0) for (const v of gone) changes.push({ kind: 'removed', name, from: v });
  }
  for (const [name, versions] of old) {
    if (now.has(name)) continue;
    for (const v of [...versions.keys()].sort(byVersion)) changes.push({ kind: 'removed', name, from: v });
  }
  const order: Record<ChangeKind, number> = { added: 0, upgraded: 1, downgraded: 2, removed: 3 };
  changes.sort((a, b) => order[a.kind] - order[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return changes;
}
