import { classifySpec } from './spec';

/** A dependency spec that makes the package manager fetch code from outside the registry. */
export interface NonRegistrySpec {
  kind: 'git' | 'url';
  /** What would be fetched: the URL as written, or the URL npm expands a git shorthand to. */
  url: string;
}

/**
 * Specs longer than this are not handed to npm-package-arg (a registry answer or a
 * lockfile can hold megabytes in one): past it, a spec that starts like a URL counts as
 * one, and anything else is not a source we can name.
 */
const MAX_PARSED_SPEC = 4096;

/**
 * Where a dependency spec fetches from, when it is not the registry: a git repository
 * (URL or shorthand such as `user/repo`, `github:user/repo`) or a tarball URL. Registry
 * specs (versions, ranges, tags, `npm:` aliases) and local paths give undefined.
 */
export function nonRegistrySpec(name: string, spec: string): NonRegistrySpec | undefined {
  // A git or tarball source is a URL (`scheme:`), a shorthand (`user/repo`, `github:x/y`)
  // or a path-like spec, so it holds a ':' or a '/'. Without either, npm reads a version,
  // a range or a tag: asked for every dependency of every lockfile entry, this answers
  // most of them without classifying the spec.
  if (spec.indexOf(':') === -1 && spec.indexOf('/') === -1) return undefined;
  if (spec.length > MAX_PARSED_SPEC) {
    const scheme = /^([a-z][a-z0-9+.-]{0,20}):\/\//i.exec(spec)?.[1]?.toLowerCase();
    if (!scheme) return undefined;
    return { kind: scheme.startsWith('git') ? 'git' : 'url', url: spec };
  }
  // An `npm:` alias names a registry package or is invalid (npm-package-arg rejects an alias
  // of anything else), so it never fetches from outside the registry. Yarn berry writes
  // every dependency spec of its lockfile this way, and npa parses each one twice (URL,
  // hosted-git, semver) before throwing, which dominated analysing such a lockfile.
  if (/^npm:/i.test(spec)) return undefined;
  const classified = classifySpec(name, spec);
  if (classified.kind === 'git') return { kind: 'git', url: classified.url ?? spec };
  if (classified.kind === 'remote') return { kind: 'url', url: classified.url ?? spec };
  return undefined;
}

/** True when the spec fetches from outside the registry (see nonRegistrySpec). */
export function namesNonRegistrySource(name: string, spec: string): boolean {
  return nonRegistrySpec(name, spec) !== undefined;
}
