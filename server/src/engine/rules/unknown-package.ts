import type { Dependency, Manifest } from '../model';
import type { PackumentLookup } from '../data/remote-data';
import { defineRule, type RuleContext } from './context';
import { isRegistrySpecKind } from '../manifest/spec';
import { privateRegistryOf } from '../data/registry-client';
import { scopeOf } from '../policy/npmrc';
import { LIMITS, truncate } from '../text/untrusted';

/** The sections whose names are looked up on the registry (data/targets.ts). */
const LOOKED_UP = new Set(['dependencies', 'devDependencies', 'optionalDependencies']);

const HOW: Record<'not-found' | 'empty', string> = {
  'not-found': 'the registry answers 404 for it',
  empty: 'the registry serves it with no versions',
};

/** One name declared in a package.json that the registry does not have. */
export interface UnknownPackage {
  manifest: Manifest;
  dependency: Dependency;
  /** The registry name (an alias's target). */
  name: string;
  lookup: Extract<PackumentLookup, { status: 'gone' }> & { how: 'not-found' | 'empty' };
}

/**
 * A name in package.json that the registry does not have, and that no scoped registry in
 * .npmrc claims. Nobody can tell from here which of two stories is true, and both are bad:
 * npm took the package down (how malware is removed), or the name was never published and
 * anyone may publish it tomorrow, to be installed by the next `npm install` (dependency
 * confusion). The message says both.
 */
export const unknownPackage = defineRule({
  id: 'unknown-package',
  summary: 'A declared package is not on the registry and no scoped registry claims it: taken down, or free for anyone to publish.',
  severity: 'error',
  data: ['registry'],
  fixes: [],
  check(ctx) {
    for (const u of unknownPackages(ctx)) {
      const { dependency: dep, name } = u;
      const shown = truncate(name, LIMITS.name);
      const scope = scopeOf(name);
      const claim = scope
        ? `If it is your own private package, map ${truncate(scope, LIMITS.name)} to your registry in .npmrc ("${truncate(scope, LIMITS.name)}:registry=…").`
        : 'If it is your own private package, publish it under a scope that .npmrc maps to your registry.';
      ctx.report({
        message:
          `"${shown}" is not on the registry (${HOW[u.lookup.how]}), and no scoped registry in .npmrc claims it. ` +
          `Either it was taken down, which is how npm removes malicious packages (check what was installed), ` +
          `or it was never published there, and then anyone can publish a package of that name and it gets installed (dependency confusion). ${claim}`,
        file: u.manifest.path,
        span: dep.kind === 'alias' ? (dep.specSpan ?? dep.nameSpan) : dep.nameSpan,
        package: name,
        version: null,
        via: [dep.name],
        evidence: [`registry: ${u.lookup.registry}`, HOW[u.lookup.how]],
      });
    }
  },
});

/**
 * Every declared name the rule reports. removed-from-registry asks too, so that a name
 * gone from the registry is one finding (this one) and not also a removal on the lockfile.
 */
export function unknownPackages(ctx: Pick<RuleContext, 'project' | 'settings' | 'remote' | 'data'>): UnknownPackage[] {
  const { project, settings, remote } = ctx;
  if (!remote) return [];
  const own = ctx.data.workspaceNames;
  // A name in one of the workspace's own scopes is dependency-confusion's to report (it
  // says more: the scope is yours and unmapped).
  const ownScopes = new Set([...own].map(scopeOf).filter((s): s is string => !!s));
  const yarnScopes = yarnMappedScopes(ctx);
  const out: UnknownPackage[] = [];
  for (const manifest of project.manifests) {
    for (const dependency of manifest.dependencies) {
      if (dependency.duplicate || !LOOKED_UP.has(dependency.section) || !isRegistrySpecKind(dependency.kind)) continue;
      const name = dependency.kind === 'alias' ? dependency.aliasOf?.name : dependency.name;
      if (!name || own.has(name)) continue;
      const lookup = remote.packuments.get(name);
      if (lookup?.status !== 'gone' || lookup.how === 'forbidden') continue;
      const scope = scopeOf(name);
      if (scope && (ownScopes.has(scope) || yarnScopes.has(scope))) continue;
      if (privateRegistryOf(project.npmrc, name, settings.registry)) continue;
      out.push({ manifest, dependency, name, lookup: lookup as UnknownPackage['lookup'] });
    }
  }
  return out;
}

/** yarn berry's npmScopes claim scopes as .npmrc does (.yarnrc.yml, parsed once per scan). */
function yarnMappedScopes(ctx: Pick<RuleContext, 'project'>): Set<string> {
  const scopes = new Set<string>();
  for (const config of ctx.project.packageManagerConfig?.values() ?? []) {
    const npmScopes = config.manager === 'yarn' ? config.settings.npmScopes : undefined;
    if (npmScopes && typeof npmScopes === 'object') for (const s of Object.keys(npmScopes)) scopes.add(`@${s.replace(/^@/, '')}`);
  }
  return scopes;
}
