import type { PackageSource } from '../model';

/**
 * Where a package comes from, judged by the URL or spec a lockfile records.
 * Registry tarballs are recognised by their path shape (`/<name>/-/<file>.tgz`), not by
 * host, because registries are configurable; lockfile-host judges hosts.
 */
export function classifyResolved(resolved: string | undefined): PackageSource {
  if (resolved === undefined || resolved === '') return 'registry';
  // The common case first, without regular expressions: https://host/name/-/name-1.2.3.tgz
  if (resolved.startsWith('https://') && resolved.endsWith('.tgz')) {
    const dash = resolved.lastIndexOf('/-/');
    if (dash !== -1 && resolved.lastIndexOf('/') === dash + 2) return 'registry';
  }
  if (isGitSpec(resolved)) return 'git';
  if (resolved.startsWith('file:')) return isTarballPath(resolved) ? 'file' : 'directory';
  if (/^https?:\/\//i.test(resolved)) return isRegistryTarballUrl(resolved) ? 'registry' : 'tarball';
  if (resolved.startsWith('link:')) return 'link';
  // A bare relative or absolute path.
  if (resolved.startsWith('.') || resolved.startsWith('/')) return isTarballPath(resolved) ? 'file' : 'directory';
  return 'unknown';
}

/**
 * Whether a URL's path, before any query or fragment, ends in `/-/<file>.tgz`. (Not the
 * regex `/-\/[^/]+\.tgz(?:[?#].*)?$/`: it retried `.*$` after every `.tgz#` of a long URL.)
 */
function isRegistryTarballUrl(url: string): boolean {
  const query = url.search(/[?#]/);
  const path = query < 0 ? url : url.slice(0, query);
  const slash = path.lastIndexOf('/');
  return slash >= 2 && path.startsWith('/-/', slash - 2) && path.length - slash > 5 && path.slice(-4).toLowerCase() === '.tgz';
}

export function isGitSpec(spec: string): boolean {
  return /^(git\+|git:\/\/|github:|gitlab:|bitbucket:|gist:)/i.test(spec) || /^git@[^:]+:/.test(spec);
}

export function isTarballPath(path: string): boolean {
  return /\.(tgz|tar\.gz|tar)$/i.test(path);
}

/** Splits `npm:real@1.2.3` (or `npm:@scope/real@1.2.3`) into the real name and version. */
export function parseNpmAlias(spec: string): { name: string; version: string } | undefined {
  if (!spec.startsWith('npm:')) return undefined;
  const rest = spec.slice(4);
  const at = rest.indexOf('@', 1);
  if (at === -1) return { name: rest, version: '' };
  return { name: rest.slice(0, at), version: rest.slice(at + 1) };
}
