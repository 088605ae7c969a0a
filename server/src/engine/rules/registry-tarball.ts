import type { LockedPackage } from '../model';
import { hostOf } from '../data/registry-client';

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
export function parseRegistryTarball(url: string, knownHost?: string): RegistryTarball | undefined {
  // String operations rather than new URL() or a backtracking regex: this runs for every
  // lockfile entry, and was the slowest part of the lockfile rules.
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return undefined;
  // Lockfiles write the scheme in lower case: then it is compared in place, not copied.
  const https = url.startsWith('https://');
  const lower = https || url.startsWith('http://');
  const scheme = https ? 'https' : lower ? 'http' : url.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') return undefined;
  let end = url.length;
  const hash = url.indexOf('#', schemeEnd);
  if (hash >= 0) end = hash;
  const query = url.indexOf('?', schemeEnd);
  if (query >= 0 && query < end) end = query;
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
  const version = file.startsWith(unscoped) && file.charCodeAt(unscoped.length) === 45 /* - */ ? file.slice(unscoped.length + 1) : undefined;
  const host = knownHost ?? hostOf(url) ?? url.slice(schemeEnd + 3, pathStart).toLowerCase();
  return { host, base: lower ? url.slice(0, nameStart) : `${scheme}://${url.slice(schemeEnd + 3, nameStart)}`, name, file, version };
}

/**
 * The host and the registry-tarball reading of lockfile entries' `resolved` URLs, each URL
 * read once per scan (ScanData holds one): several rules ask (lockfile-host,
 * lockfile-name-mismatch, dependency-confusion, non-registry-source) for every entry of
 * every lockfile. Keyed by the URL string: a WeakMap keyed by the entries cost more than
 * the reading it saved (thousands of new keys per scan, each also work for the GC).
 */
export class ResolvedUrls {
  private readonly byUrl = new Map<string, { host: string | undefined; tarball?: RegistryTarball | null }>();

  private read(url: string): { host: string | undefined; tarball?: RegistryTarball | null } {
    let r = this.byUrl.get(url);
    if (r === undefined) {
      r = { host: hostOf(url) };
      this.byUrl.set(url, r);
    }
    return r;
  }

  /** hostOf(p.resolved); undefined without a resolved URL. */
  host(p: LockedPackage): string | undefined {
    return p.resolved ? this.read(p.resolved).host : undefined;
  }

  /** parseRegistryTarball(p.resolved); undefined without a resolved URL. */
  tarball(p: LockedPackage): RegistryTarball | undefined {
    if (!p.resolved) return undefined;
    const r = this.read(p.resolved);
    if (r.tarball === undefined) r.tarball = parseRegistryTarball(p.resolved, r.host) ?? null;
    return r.tarball ?? undefined;
  }
}
