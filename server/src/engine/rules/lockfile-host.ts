import type { LockedPackage } from '../model';
import type { Project } from '../project';
import { lockfileEntryReport } from './lockfile-finding';
import { defineRule, type RuleContext } from './context';
import { hostOf } from '../data/registry-client';
import { expectedRegistries } from './allowed-hosts';

/** A tarball URL shaped like a registry's: `<base>/<name>/-/<file>.tgz`. */
export interface RegistryTarball {
  host: string;
  /** The registry base URL the path sits under (with trailing slash). */
  base: string;
  /** Package name from the path (`@scope/name` for scoped packages). */
  name: string;
  /** The tarball file name without `.tgz`. */
  file: string;
  /** The version in the file name, when the file is `<unscoped name>-<version>.tgz`. */
  version?: string;
}

/**
 * Reads a registry-style tarball URL. npm's registry and the usual private ones
 * (Verdaccio, Artifactory, Nexus, GitLab) all serve `/<name>/-/<name>-<version>.tgz`
 * under their base path; scoped names appear as `@scope/name` or `@scope%2fname`.
 */
export function parseRegistryTarball(url: string): RegistryTarball | undefined {
  // String operations rather than new URL() or a backtracking regex: this runs for every
  // lockfile entry, and was the slowest part of the lockfile rules.
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return undefined;
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') return undefined;
  let end = url.length;
  for (const c of ['#', '?']) {
    const i = url.indexOf(c, schemeEnd);
    if (i >= 0 && i < end) end = i;
  }
  const pathStart = url.indexOf('/', schemeEnd + 3);
  if (pathStart < 0 || pathStart >= end) return undefined;
  const dash = url.lastIndexOf('/-/', end);
  if (dash < pathStart || !url.endsWith('.tgz', end) || end - dash - 3 <= 4) return undefined;
  let file = url.slice(dash + 3, end - 4);
  if (file.includes('/')) return undefined;
  const lastSlash = url.lastIndexOf('/', dash - 1);
  if (lastSlash < pathStart) return undefined;
  let name = url.slice(lastSlash + 1, dash);
  let nameStart = lastSlash + 1;
  if (!name.startsWith('@')) {
    const scopeSlash = url.lastIndexOf('/', lastSlash - 1);
    if (scopeSlash >= pathStart && url[scopeSlash + 1] === '@') {
      nameStart = scopeSlash + 1;
      name = url.slice(nameStart, dash);
    }
  }
  if (name === '' || name === '@') return undefined;
  if (name.includes('%') || file.includes('%')) {
    try {
      name = decodeURIComponent(name);
      file = decodeURIComponent(file);
    } catch {
      return undefined;
    }
  }
  if (name.startsWith('@') && !name.includes('/')) return undefined;
  const unscoped = name.slice(name.indexOf('/') + 1);
  const version = file.startsWith(unscoped + '-') ? file.slice(unscoped.length + 1) : undefined;
  const host = hostOf(url) ?? url.slice(schemeEnd + 3, pathStart).toLowerCase();
  return { host, base: `${scheme}://${url.slice(schemeEnd + 3, nameStart)}`, name, file, version };
}

/** Hosts that serve git repositories (and their tarball snapshots); such sources are non-registry-source. */
const GIT_HOSTS = new Set(['github.com', 'codeload.github.com', 'gist.github.com', 'gitlab.com', 'bitbucket.org', 'git.sr.ht']);

export function isGitHost(host: string): boolean {
  return GIT_HOSTS.has(host.toLowerCase());
}

export { allowedHostsFor } from './allowed-hosts';

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
  const host = hostOf(p.resolved);
  if (!host) return undefined;
  const name = p.realName ?? p.name;
  // An .npmrc registry we cannot read (e.g. "${REGISTRY}" with the variable unset here)
  // names no host to compare with: better silent than an error on every entry.
  if (expectedRegistries(ctx, name).every((u) => hostOf(u) === undefined)) return undefined;
  if (ctx.data.allowedHosts(name).has(host)) return undefined;
  // A URL a package.json asks for is intended (non-registry-source still reports it).
  if (declared.has(stripFragment(p.resolved))) return undefined;
  const registryShaped = parseRegistryTarball(p.resolved) !== undefined;
  // A GitHub/GitLab snapshot tarball is a git source (non-registry-source reports it),
  // unless it is dressed up as a registry tarball.
  if (isGitHost(host) && !registryShaped) return undefined;
  const expected = expectedRegistries(ctx, name).map((u) => hostOf(u) ?? u).join(' or ');
  return { host, expected };
}
