import type { LockedPackage } from '../model';
import type { Project } from '../project';
import { lockfileEntryReport } from './lockfile-finding';
import { defineRule, type RuleContext } from './context';
import { hostOf } from '../data/registry-client';
import { expectedRegistries } from './allowed-hosts';

/** Hosts that serve git repositories (and their tarball snapshots); such sources are non-registry-source. */
const GIT_HOSTS = new Set(['github.com', 'codeload.github.com', 'gist.github.com', 'gitlab.com', 'bitbucket.org', 'git.sr.ht']);

export function isGitHost(host: string): boolean {
  return GIT_HOSTS.has(host.toLowerCase());
}

export { allowedHostsFor } from './allowed-hosts';
export { parseRegistryTarball, type RegistryTarball } from './registry-tarball';

/** Tarball URLs a real package.json declares: resolving to those hosts is intended. */
export function declaredUrls(project: Project): Set<string> {
  const urls = new Set<string>();
  for (const m of project.manifests) {
    for (const d of m.dependencies) {
      if (d.kind === 'remote') urls.add(stripFragment(d.url ?? d.spec));
    }
  }
  return urls;
}

export function stripFragment(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

/**
 * A lockfile whose `resolved` points somewhere else installs code from there, however
 * innocent the package name looks: the core of lockfile injection.
 */
export const lockfileHost = defineRule({
  id: 'lockfile-host',
  summary: 'A resolved URL points to a host that is not the configured registry.',
  severity: 'error',
  data: ['local'],
  fixes: [],
  check(ctx) {
    const declared = declaredUrls(ctx.project);
    for (const l of ctx.project.lockfiles) {
      const graph = ctx.project.graphs.get(l.path);
      for (const p of l.packages) {
        const bad = unexpectedHost(ctx, p, declared);
        if (!bad) continue;
        ctx.report(lockfileEntryReport(l, graph, p, `${p.name}@${p.version} is resolved from ${bad.host}, which is not the registry configured for it (${bad.expected}): the lockfile would install code from a different server.`, { evidence: [`resolved: ${p.resolved}`] }));
      }
    }
  },
});

function unexpectedHost(ctx: RuleContext, p: LockedPackage, declared: Set<string>): { host: string; expected: string } | undefined {
  if (!p.resolved || p.source === 'git' || p.source === 'link' || p.source === 'workspace' || p.source === 'directory' || p.source === 'file') return undefined;
  const host = ctx.data.resolvedUrls.host(p);
  if (!host) return undefined;
  const name = p.realName ?? p.name;
  if (ctx.data.allowedHosts(name).has(host)) return undefined;
  // An .npmrc registry we cannot read (e.g. "${REGISTRY}" with the variable unset here)
  // names no host to compare with: better silent than an error on every entry.
  if (expectedRegistries(ctx, name).every((u) => hostOf(u) === undefined)) return undefined;
  // A URL a package.json asks for is intended (non-registry-source still reports it).
  if (declared.has(stripFragment(p.resolved))) return undefined;
  const registryShaped = ctx.data.resolvedUrls.tarball(p) !== undefined;
  // A GitHub/GitLab snapshot tarball is a git source (non-registry-source reports it),
  // unless it is dressed up as a registry tarball.
  if (isGitHost(host) && !registryShaped) return undefined;
  const expected = expectedRegistries(ctx, name).map((u) => hostOf(u) ?? u).join(' or ');
  return { host, expected };
}
