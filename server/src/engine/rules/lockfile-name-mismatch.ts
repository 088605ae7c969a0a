import semver from 'semver';
import type { LockedPackage } from '../model';
import { lockfileEntryReport } from './lockfile-finding';
import { defineRule } from './context';
import type { ResolvedUrls } from './registry-tarball';

/**
 * An entry called `lodash` whose tarball URL is `/evil/-/evil-1.0.0.tgz` installs `evil`
 * under lodash's name: a lockfile injection that a reviewer skimming names never sees.
 */
export const lockfileNameMismatch = defineRule({
  id: 'lockfile-name-mismatch',
  summary: "A lockfile entry's name does not match the package in its resolved URL.",
  severity: 'error',
  data: ['local'],
  fixes: [],
  check({ project, report, data }) {
    for (const l of project.lockfiles) {
      const graph = project.graphs.get(l.path);
      for (const p of l.packages) {
        const mismatch = nameMismatch(p, data.resolvedUrls);
        if (!mismatch) continue;
        report(lockfileEntryReport(l, graph, p, mismatch, { evidence: [`resolved: ${p.resolved}`] }));
      }
    }
  },
});

/** Why the entry's name or version disagrees with its registry tarball URL, or undefined. */
export function nameMismatch(p: LockedPackage, urls: ResolvedUrls): string | undefined {
  if (!p.resolved || p.source === 'git' || p.source === 'link' || p.source === 'workspace' || p.source === 'directory') return undefined;
  const t = urls.tarball(p);
  if (!t) return undefined;
  const expected = p.realName ?? p.name;
  if (t.name !== expected) {
    return `The lockfile entry ${labelOf(p)}@${p.version} resolves to a tarball of "${t.name}" (${t.file}.tgz): a different package would be installed under this name.`;
  }
  if (t.version === undefined) {
    return `The lockfile entry ${labelOf(p)}@${p.version} resolves to the tarball file ${t.file}.tgz, which is not named after ${expected}.`;
  }
  // An entry that records no version (bun's URL dependencies) has nothing to disagree with.
  if (p.version !== '' && !sameVersion(t.version, p.version)) {
    return `The lockfile entry ${labelOf(p)}@${p.version} resolves to the tarball of version ${t.version}: the version installed is not the one the lockfile shows.`;
  }
  return undefined;
}

/** How a mismatch names the entry (built only for a mismatch, not for every entry). */
function labelOf(p: LockedPackage): string {
  return p.realName && p.realName !== p.name ? `${p.name} (alias of ${p.realName})` : p.name;
}

/** Build metadata ("+sha.1") is not part of a version's identity, and registries drop it. */
function sameVersion(a: string, b: string): boolean {
  if (a === b) return true;
  const va = semver.valid(a, { loose: true });
  const vb = semver.valid(b, { loose: true });
  return va !== null && vb !== null && semver.eq(va, vb);
}
