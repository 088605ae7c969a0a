import type { Dependency, LockedPackage, Manifest } from '../model';
import { defineRule, inFocus, type RuleContext } from './context';
import { dirname, joinPath, manifestForImporter } from '../project';
import { parseRegistryTarball } from './registry-tarball';
import { hostOf } from '../data/registry-client';

/**
 * git, tarball URLs and files outside the workspace bypass the registry: no review, no
 * advisories, no takedown, and a git ref can be moved under you.
 */
export const nonRegistrySource = defineRule({
  id: 'non-registry-source',
  summary: 'The dependency comes from outside the registry (git, URL, path).',
  severity: 'warning',
  data: ['local'],
  fixes: [],
  check(ctx) {
    const { project } = ctx;
    for (const m of project.manifests) {
      if (!inFocus(ctx, m.path)) continue;
      for (const dep of m.dependencies) {
        if (!dep.specSpan) continue;
        const what = manifestSourceProblem(ctx, m, dep);
        if (!what) continue;
        ctx.report({
          message: `"${dep.name}" comes from ${what} (${dep.spec}): it is not reviewed on the registry and advisories do not cover it.`,
          file: m.path,
          span: dep.specSpan,
          package: dep.name,
          version: null,
          via: [dep.name],
        });
      }
    }
    reportLockfileSources(ctx);
  },
});

/** What is wrong with a package.json dependency's source, or undefined when it comes from the registry. */
export function manifestSourceProblem(ctx: RuleContext, m: Manifest, dep: Dependency): string | undefined {
  if (dep.kind === 'git') return 'a git repository';
  // `"left-pad": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"` is the
  // registry's own tarball of left-pad 1.3.0, as the lockfile half below already reads it;
  // a URL of another package's tarball, or on another host, is not.
  if (dep.kind === 'remote') return registryTarballOf(ctx, dep.name, dep.spec) ? undefined : 'a tarball URL';
  if (dep.kind === 'file' || dep.kind === 'directory' || dep.kind === 'link' || dep.kind === 'portal') {
    const target = dep.spec.replace(/^(file|link|portal):/, '');
    return isOutsideRoot(dirname(m.path), target) ? 'a path outside the workspace' : undefined;
  }
  return undefined;
}

/**
 * The lockfile half: transitive packages can come from git or a URL too, and nobody sees
 * those in package.json. A direct dependency already reported on its package.json line
 * is not reported again.
 */
function reportLockfileSources(ctx: RuleContext): void {
  const { project } = ctx;
  for (const l of project.lockfiles) {
    if (!inFocus(ctx, l.path)) continue;
    const graph = project.graphs.get(l.path);
    const lockDir = dirname(l.path);
    for (const p of l.packages) {
      const what = lockedSourceProblem(ctx, p, lockDir);
      if (!what) continue;
      const via = graph?.via(p.id);
      if (via?.length === 1 && graph && reportedInManifest(ctx, l.path, graph.importerOf(p.id), p.name)) continue;
      ctx.report({
        message: `${p.name}@${p.version} comes from ${what}${p.resolved ? ` (${p.resolved})` : ''}: it is not reviewed on the registry and advisories do not cover it.`,
        file: l.path,
        span: p.keySpan ?? p.span,
        package: p.name,
        version: p.version,
        via: via ?? [p.name],
      });
    }
  }
}

function lockedSourceProblem(ctx: RuleContext, p: LockedPackage, lockDir: string): string | undefined {
  switch (p.source) {
    case 'git':
      return 'a git repository';
    case 'tarball': {
      if (!p.resolved || !/^https?:/i.test(p.resolved)) return p.resolved ? 'a tarball URL' : undefined;
      const host = ctx.data.resolvedUrls.host(p);
      if (!host) return 'a tarball URL';
      // A tarball on the package's own registry is a registry package written out as a URL.
      if (ctx.data.allowedHosts(p.realName ?? p.name).has(host) && ctx.data.resolvedUrls.tarball(p)) return undefined;
      return 'a tarball URL';
    }
    case 'file':
    case 'directory':
    case 'link': {
      const raw = p.resolved ?? (/^(\.|\/)/.test(p.id) ? p.id : undefined);
      if (!raw) return undefined;
      const target = raw.replace(/^(file|link|portal):/, '');
      return isOutsideRoot(lockDir, target) ? 'a path outside the workspace' : undefined;
    }
    default:
      return undefined;
  }
}

function reportedInManifest(ctx: RuleContext, lockfilePath: string, importer: string | undefined, name: string): boolean {
  if (importer === undefined) return false;
  const m = manifestForImporter(ctx.project, lockfilePath, importer);
  const dep = m?.dependencies.find((d) => d.name === name && d.specSpan && !d.duplicate);
  return m !== undefined && dep !== undefined && manifestSourceProblem(ctx, m, dep) !== undefined;
}

/** True for a tarball URL on the name's registry (or an allowed host) whose path names that very package. */
function registryTarballOf(ctx: RuleContext, name: string, url: string): boolean {
  const host = /^https?:/i.test(url) ? hostOf(url) : undefined;
  const tarball = host ? parseRegistryTarball(url) : undefined;
  return !!tarball && tarball.name === name && ctx.data.allowedHosts(name).has(host!);
}

function isOutsideRoot(dir: string, target: string): boolean {
  if (target.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(target) || target.startsWith('~')) return true;
  const depth = dir === '' ? 0 : dir.split('/').length;
  let up = 0;
  for (const part of target.split(/[\\/]/)) {
    if (part === '..') up++;
    else if (part !== '.' && part !== '') break;
  }
  return up > depth || joinPath(dir, target).startsWith('..');
}
