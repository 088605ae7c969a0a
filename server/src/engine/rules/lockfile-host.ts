import type { Finding, LockedPackage } from '../model';
import type { Project } from '../project';
import { lockfileEntryFinding } from './lockfile-finding';
import type { Rule, RuleContext } from './context';
import { registryFor } from '../policy/npmrc';
import { hostOf as anyHostOf } from '../data/registry-client';

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

/** yarn writes registry.yarnpkg.com for npm's registry (it is a CNAME of it) and back. */
const EQUIVALENT_HOSTS: Record<string, string[]> = {
  'registry.npmjs.org': ['registry.yarnpkg.com'],
  'registry.yarnpkg.com': ['registry.npmjs.org'],
};

/** The host (with a non-default port) of an http(s) URL, lower-cased; undefined for other URLs. */
export function hostOf(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? anyHostOf(url) : undefined;
}

/** A settings entry may be a bare host or a URL. */
function normaliseHost(entry: string): string | undefined {
  const s = entry.trim();
  if (!s) return undefined;
  if (s.includes('://')) return hostOf(s);
  // Up to the first '/' (not `replace(/\/.*$/)`, which retried from every '/' of a long run).
  const slash = s.indexOf('/');
  return (slash < 0 ? s : s.slice(0, slash)).toLowerCase();
}

/** The registry expected for a package name: .npmrc (by scope), and the registry setting when given. */
export function expectedRegistries(ctx: RuleContext, name: string): string[] {
  const out = [registryFor(ctx.project.npmrc, name)];
  if (ctx.settings.registry) out.push(ctx.settings.registry);
  return out;
}

const allowedCache = new WeakMap<RuleContext, Map<string, Set<string>>>();

/** Hosts a package may be resolved from: its registry (+ equivalents) and the allowed-hosts setting. */
export function allowedHostsFor(ctx: RuleContext, name: string): Set<string> {
  // Only the scope matters, so one set per scope and scan.
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/') + 1) : '';
  let perScope = allowedCache.get(ctx);
  if (!perScope) allowedCache.set(ctx, (perScope = new Map()));
  const hit = perScope.get(scope);
  if (hit) return hit;
  const hosts = computeAllowedHosts(ctx, name);
  perScope.set(scope, hosts);
  return hosts;
}

function computeAllowedHosts(ctx: RuleContext, name: string): Set<string> {
  const hosts = new Set<string>();
  for (const url of expectedRegistries(ctx, name)) {
    const h = hostOf(url);
    if (!h) continue;
    hosts.add(h);
    for (const e of EQUIVALENT_HOSTS[h] ?? []) hosts.add(e);
  }
  for (const entry of ctx.settings.allowedHosts) {
    const h = normaliseHost(entry);
    if (h) hosts.add(h);
  }
  return hosts;
}

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
export const lockfileHost: Rule = {
  id: 'lockfile-host',
  defaultSeverity: 'error',
  run(ctx) {
    const findings: Finding[] = [];
    const declared = declaredUrls(ctx.project);
    for (const l of ctx.project.lockfiles) {
      const graph = ctx.project.graphs.get(l.path);
      for (const p of l.packages) {
        const bad = unexpectedHost(ctx, p, declared);
        if (!bad) continue;
        findings.push(lockfileEntryFinding(l, graph, p, 'lockfile-host', 'error', `${p.name}@${p.version} is resolved from ${bad.host}, which is not the registry configured for it (${bad.expected}): the lockfile would install code from a different server.`, { evidence: [`resolved: ${p.resolved}`] }));
      }
    }
    return findings;
  },
};

function unexpectedHost(ctx: RuleContext, p: LockedPackage, declared: Set<string>): { host: string; expected: string } | undefined {
  if (!p.resolved || p.source === 'git' || p.source === 'link' || p.source === 'workspace' || p.source === 'directory' || p.source === 'file') return undefined;
  if (!/^https?:\/\//i.test(p.resolved)) return undefined;
  const host = hostOf(p.resolved);
  if (!host) return undefined;
  const name = p.realName ?? p.name;
  // An .npmrc registry we cannot read (e.g. "${REGISTRY}" with the variable unset here)
  // names no host to compare with: better silent than an error on every entry.
  if (expectedRegistries(ctx, name).every((u) => hostOf(u) === undefined)) return undefined;
  if (allowedHostsFor(ctx, name).has(host)) return undefined;
  // A URL a package.json asks for is intended (non-registry-source still reports it).
  if (declared.has(stripFragment(p.resolved))) return undefined;
  const registryShaped = parseRegistryTarball(p.resolved) !== undefined;
  // A GitHub/GitLab snapshot tarball is a git source (non-registry-source reports it),
  // unless it is dressed up as a registry tarball.
  if (isGitHost(host) && !registryShaped) return undefined;
  const expected = expectedRegistries(ctx, name).map((u) => hostOf(u) ?? u).join(' or ');
  return { host, expected };
}
