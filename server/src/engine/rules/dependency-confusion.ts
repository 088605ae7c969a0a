import semver from 'semver';
import type { Manifest, Severity } from '../model';
import { lockfileEntryReport } from './lockfile-finding';
import { defineRule, type RuleContext } from './context';
import { privateRegistryOf, publicHosts } from '../data/registry-client';
import { popularNameDetector } from '../typosquat';
import { isRegistrySpecKind } from '../manifest/spec';
import { rangeCheckMemo } from './range-check-memo';

/**
 * Dependency confusion: a name that is meant to come from a private registry or from the
 * workspace gets resolved from the public registry, where anyone can publish it (Birsan
 * 2021). Runs without remote data too: the lockfile and .npmrc half is local; with
 * registry data it also knows whether a public package already shadows the name.
 */
export const dependencyConfusion = defineRule({
  id: 'dependency-confusion',
  summary: 'A private or workspace name can be resolved from the public registry.',
  severity: 'warning',
  data: ['local', 'registry'],
  fixes: [],
  check(ctx) {
    checkLockfiles(ctx);
    checkManifests(ctx);
  },
});

function scopeOf(name: string): string | undefined {
  return name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')) : undefined;
}

/** Scopes mapped to a registry anywhere: .npmrc, and yarn berry's npmScopes (.yarnrc.yml, parsed once per scan). */
function mappedScopes(ctx: RuleContext): Set<string> {
  const scopes = new Set(Object.keys(ctx.project.npmrc.scopes));
  for (const config of ctx.project.packageManagerConfig?.values() ?? []) {
    const npmScopes = config.manager === 'yarn' ? config.settings.npmScopes : undefined;
    if (npmScopes && typeof npmScopes === 'object') for (const s of Object.keys(npmScopes)) scopes.add(`@${s.replace(/^@/, '')}`);
  }
  return scopes;
}

/**
 * A .yarnrc.yml that does not parse maps no scopes: the findings a mapping would have
 * silenced say so, beside the file's own unparsed-file error.
 */
function unreadScopeMaps(ctx: RuleContext): string {
  const broken = [...(ctx.project.packageManagerConfig?.values() ?? [])].filter((c) => c.manager === 'yarn' && c.parseErrors.length > 0);
  return broken.map((c) => ` ${c.path} could not be read, so the scopes it maps (npmScopes) were not applied.`).join('');
}

function checkLockfiles(ctx: RuleContext): void {
  const { project, settings } = ctx;
  const own = ctx.data.workspaceNames;
  const pub = publicHosts(project.npmrc, settings.registry);
  const mapped = mappedScopes(ctx);
  const unread = unreadScopeMaps(ctx);
  const popular = popularNameDetector();
  for (const lockfile of project.lockfiles) {
    const graph = project.graphs.get(lockfile.path);
    for (const p of lockfile.packages) {
      if ((p.source !== 'registry' && p.source !== 'tarball') || !p.resolved) continue;
      const host = ctx.data.resolvedUrls.host(p);
      if (!host) continue;
      const name = p.realName ?? p.name;
      const scope = scopeOf(name);
      const priv = privateRegistryOf(project.npmrc, name, settings.registry);
      let severity: Severity | undefined;
      let message = '';
      if (priv && pub.has(host)) {
        severity = 'error';
        message = `"${name}" belongs to ${scope}, which .npmrc maps to ${priv}, but the lockfile resolves it from the public registry (${host}): a public package is shadowing the private one.`;
      } else if (own.has(name) && pub.has(host)) {
        severity = 'error';
        message = `"${name}" is the name of a workspace package, but the lockfile resolves it from the public registry (${host}): a public package is shadowing your own.`;
      } else if (!priv && !pub.has(host) && !(scope && mapped.has(scope)) && p.source === 'registry' && !popular.isPopular(name)) {
        // Only registry-shaped resolutions: a tarball URL is non-registry-source's (and
        // lockfile-host's) concern, and a popular public package fetched from another host
        // is lockfile injection (lockfile-host), not a private name at risk.
        severity = 'warning';
        message = scope
          ? `"${name}" was resolved from ${host}, but nothing maps ${scope} to that registry (.npmrc "${scope}:registry="): an install without this lockfile resolves it from the public registry, where someone else can publish it.${unread}`
          : `"${name}" was resolved from ${host}, but unscoped names resolve from the default registry: an install without this lockfile takes "${name}" from the public registry. Move private packages to a scope mapped in .npmrc.`;
      }
      if (!severity) continue;
      ctx.report(lockfileEntryReport(lockfile, graph, p, message, { severity, evidence: [`resolved: ${p.resolved}`] }));
    }
  }
}

function checkManifests(ctx: RuleContext): void {
  const { project, settings, remote } = ctx;
  const own = ctx.data.workspaceNames;
  const ownScopes = new Set([...own].map(scopeOf).filter((s): s is string => !!s));
  const mapped = mappedScopes(ctx);
  const pnpmWorkspace = [...(project.packageManagerConfig?.values() ?? [])].some((c) => c.manager === 'pnpm');
  const unread = unreadScopeMaps(ctx);
  // A monorepo's packages name each other hundreds of times, with a few ranges: the
  // workspace of a name and the range checks are looked up, not searched and parsed again.
  const workspaceOf = new Map<string, Manifest>();
  for (const m of project.manifests) if (m.name !== undefined && !workspaceOf.has(m.name)) workspaceOf.set(m.name, m);
  const satisfies = rangeCheckMemo((version, range) => semver.satisfies(version, range, { loose: true }));
  for (const m of project.manifests) {
    for (const dep of m.dependencies) {
      // An alias resolves another name from the registry: the name to check is not dep.name.
      if (dep.duplicate || !isRegistrySpecKind(dep.kind) || dep.kind === 'alias' || dep.section === 'peerDependencies') continue;
      const lookup = remote?.packuments.get(dep.name);
      const existsPublicly = lookup?.status === 'ok' && !privateRegistryOf(project.npmrc, dep.name, settings.registry);
      let severity: Severity | undefined;
      let message = '';
      if (own.has(dep.name) && m.name !== dep.name) {
        const ws = workspaceOf.get(dep.name);
        const satisfied = ws?.version !== undefined && dep.kind !== 'tag' && satisfies(ws.version, dep.spec || '*');
        // npm and yarn link a workspace whose version satisfies the range; pnpm (link-workspace-packages off) does not.
        const fetched = !satisfied || pnpmWorkspace;
        if (!fetched) continue;
        severity = existsPublicly ? 'error' : 'warning';
        const why = satisfied ? 'pnpm only links workspace packages for "workspace:" specs' : `"${dep.spec}" does not match the workspace's version ${ws?.version ?? '(none)'}`;
        message = `"${dep.name}" is a workspace package, but ${why}, so it is resolved from the registry${existsPublicly ? ', where a public package of that name exists' : ', where anyone can publish that name'}. Use "workspace:${dep.spec || '*'}".`;
      } else {
        const scope = scopeOf(dep.name);
        if (!scope || !ownScopes.has(scope) || own.has(dep.name) || mapped.has(scope)) continue;
        // Only the registry can tell whether the name is free for someone else to take.
        if (lookup?.status !== 'gone') continue;
        severity = 'warning';
        message = `"${dep.name}" shares the scope of your own packages (${scope}) but is not on the public registry, and .npmrc maps ${scope} to no private registry: it resolves from the public registry, where whoever claims the name gets installed. Map the scope in .npmrc.${unread}`;
      }
      ctx.report({ severity, message, file: m.path, span: dep.nameSpan, package: dep.name, version: null, via: [dep.name] });
    }
  }
}
