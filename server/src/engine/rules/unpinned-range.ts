import semver from 'semver';
import type { Fix } from '../model';
import { defineRule } from './context';
import { lockedDirectDependency } from '../project';
import { isPlainVersion, LIMITS, truncate } from '../text/untrusted';

/**
 * A spec with no upper bound (`*`, `latest`, `>=1`) takes whatever is published next,
 * including a hijacked release: the exact door the 2025 chalk/debug compromise used.
 */
export const unpinnedRange = defineRule({
  id: 'unpinned-range',
  summary: 'The spec accepts future releases without an upper bound.',
  severity: 'warning',
  data: ['local'],
  fixes: ['pin'],
  check({ project, report }) {
    for (const m of project.manifests) {
      for (const dep of m.dependencies) {
        if (dep.section === 'bundleDependencies' || dep.section === 'peerDependencies') continue;
        const spec = dep.kind === 'alias' ? dep.aliasOf!.spec : dep.spec;
        const kind = dep.kind === 'alias' ? classifyAliasSpec(spec) : dep.kind;
        if (kind !== 'range' && kind !== 'tag') continue;
        const why = unboundedReason(spec, kind === 'tag');
        if (!why || !dep.specSpan) continue;
        const locked = lockedDirectDependency(project, m.path, dep.name);
        const fixes: Fix[] = [];
        // The lockfile's text is the attacker's too: pin only to a plain version.
        if (locked && isPlainVersion(locked.version)) {
          const pinned = dep.kind === 'alias' ? `npm:${dep.aliasOf!.name}@${locked.version}` : locked.version;
          fixes.push({
            title: `Pin to ${locked.version} (the locked version)`,
            kind: 'pin',
            version: locked.version,
            preferred: true,
            edits: [{ file: m.path, span: dep.specSpan, newText: JSON.stringify(pinned) }],
          });
        }
        report({
          message: `"${truncate(dep.name, LIMITS.name)}": "${truncate(dep.spec, LIMITS.version)}" ${why}: any future release, including a malicious one, is accepted.`,
          file: m.path,
          span: dep.specSpan,
          package: dep.name,
          version: locked?.version ?? null,
          via: [dep.name],
          fixes,
        });
      }
    }
  },
});

function classifyAliasSpec(spec: string): 'range' | 'tag' | 'other' {
  if (semver.validRange(spec) !== null) return 'range';
  if (/^[a-z0-9][a-z0-9._-]*$/i.test(spec) && !semver.valid(spec)) return 'tag';
  return 'other';
}

/** Why a spec floats without an upper bound, or undefined when it is bounded. */
export function unboundedReason(spec: string, isTag: boolean): string | undefined {
  const s = spec.trim();
  if (isTag) return `follows the dist-tag "${s}"`;
  if (s === '' || s === '*' || s === 'x' || s === 'X') return 'accepts any version';
  const range = semver.validRange(s, { loose: true });
  if (range === null) return undefined;
  // Unbounded when some comparator set has no upper limit.
  const parsed = new semver.Range(s, { loose: true });
  for (const set of parsed.set) {
    const hasUpper = set.some((c) => c.operator === '<' || c.operator === '<=' || c.operator === '');
    const matchesAll = set.length === 1 && set[0].value === '';
    if (matchesAll) return 'accepts any version';
    if (!hasUpper) return 'has no upper bound';
  }
  return undefined;
}
