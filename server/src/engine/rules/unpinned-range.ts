import semver from 'semver';
import { isBoundedSimpleSpec } from '../manifest/spec';
import type { Fix, LockedPackage, Manifest } from '../model';
import { defineRule, inFocus } from './context';
import { dirname, lockedDirectDependency, type Project } from '../project';
import { workspaceGlobMatcher } from '../glob';
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
  check(ctx) {
    const { project, report } = ctx;
    for (const m of project.manifests) {
      if (!inFocus(ctx, m.path)) continue;
      for (const dep of m.dependencies) {
        if (dep.section === 'bundleDependencies' || dep.section === 'peerDependencies') continue;
        const spec = dep.kind === 'alias' ? dep.aliasOf!.spec : dep.spec;
        const kind = dep.kind === 'alias' ? classifyAliasSpec(spec) : dep.kind;
        if (kind !== 'range' && kind !== 'tag') continue;
        const why = unboundedReason(spec, kind === 'tag');
        if (!why || !dep.specSpan) continue;
        const locked = lockedDirectDependency(project, m.path, dep.name);
        // `"@mono/core": "*"` in a monorepo installs the sibling folder, not a registry
        // release: nothing is published into it by anyone else.
        if (dep.kind !== 'alias' && resolvesToWorkspace(project, m, dep.name, spec, locked)) continue;
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
  if (isBoundedSimpleSpec(s)) return undefined;
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

/**
 * Whether a dependency is a sibling workspace of the project. The lockfile decides when it
 * says: a link or workspace entry is the folder, a registry entry is a download (then the
 * range matters, and so may dependency confusion). Without a lockfile entry (yarn classic
 * records no workspaces, pnpm links none), a package of the same name in a folder matched
 * by the workspace globs of a root above this manifest (package.json `workspaces`,
 * pnpm-workspace.yaml `packages`), whose version the spec accepts, is what the package
 * manager links.
 */
function resolvesToWorkspace(project: Project, m: Manifest, name: string, spec: string, locked: LockedPackage | undefined): boolean {
  if (locked) return locked.source === 'link' || locked.source === 'workspace';
  const here = dirname(m.path);
  for (const root of project.manifests) {
    const rootDir = dirname(root.path);
    const globs = workspaceGlobs(project, root);
    if (globs.length === 0 || !isWithin(here, rootDir)) continue;
    const isWorkspace = workspaceGlobMatcher(globs);
    for (const w of project.manifests) {
      if (w === m || w.name !== name) continue;
      const dir = dirname(w.path);
      if (!isWithin(dir, rootDir) || dir === rootDir) continue;
      const rel = rootDir === '' ? dir : dir.slice(rootDir.length + 1);
      if (!isWorkspace(rel)) continue;
      // A workspace whose version the range rejects is not linked: the registry's package is installed.
      if (w.version && semver.valid(w.version) && semver.validRange(spec, { loose: true }) !== null && !semver.satisfies(w.version, spec, { loose: true, includePrerelease: true })) continue;
      return true;
    }
  }
  return false;
}

/** The workspace globs a manifest's folder declares: its `workspaces`, else pnpm-workspace.yaml's `packages`. */
function workspaceGlobs(project: Project, root: Manifest): string[] {
  if (root.workspaces && root.workspaces.length > 0) return root.workspaces;
  const dir = dirname(root.path);
  const pnpm = project.packageManagerConfig?.get(dir === '' ? 'pnpm-workspace.yaml' : `${dir}/pnpm-workspace.yaml`);
  const packages = pnpm?.settings.packages;
  return Array.isArray(packages) ? packages.filter((g): g is string => typeof g === 'string') : [];
}

function isWithin(dir: string, ancestor: string): boolean {
  return ancestor === '' || dir === ancestor || dir.startsWith(ancestor + '/');
}
