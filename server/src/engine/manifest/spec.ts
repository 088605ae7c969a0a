import npa from 'npm-package-arg';
import semver from 'semver';
import type { SpecKind } from '../model';

// semver.valid throws and catches internally for every non-version, which is slow; a
// regex for the strict form answers the common case. It is tried on the trimmed spec:
// `^\s*[=v]?\s*` on 200 KB of spaces tries every split of the run between the two `\s*`.
const EXACT_VERSION = /^[=v]?\s*\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/**
 * `^1.2.3` and `~1.2.3` (prerelease allowed): ~95% of a lockfile's dependency specs, each a
 * valid range for semver's loose parser. semver.validRange builds a Range (comparators,
 * regexes, a cache key) for each, which was the largest part of parsing a lockfile's
 * dependencies. Components are capped at 9 digits so that none exceeds what semver accepts.
 */
const CARET_TILDE_RANGE = /^[\^~]\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * True for `^1.2.3`, `~1.2.3` and `1.2.3` (prerelease allowed): ranges with an upper bound,
 * known without building a semver Range (unpinned-range asks for every dependency).
 */
export function isBoundedSimpleSpec(spec: string): boolean {
  return CARET_TILDE_RANGE.test(spec) || PLAIN_EXACT_VERSION.test(spec);
}

/** `1.2.3` or `1.2.3-rc.1`, parts small enough for semver: an exact version. */
const PLAIN_EXACT_VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * Spec kinds npm resolves on the registry by the dependency's own spec: an exact version,
 * a range, a dist-tag, or an `npm:` alias (which resolves its target name there).
 */
const REGISTRY_SPEC_KINDS: ReadonlySet<SpecKind> = new Set<SpecKind>(['version', 'range', 'tag', 'alias']);

/** True when the spec is resolved on the registry (what is looked up, pinned, judged by remote rules). */
export function isRegistrySpecKind(kind: SpecKind): boolean {
  return REGISTRY_SPEC_KINDS.has(kind);
}

/**
 * True when the dependency's name is most likely a registry package, though its spec is
 * not resolved there directly: pnpm `catalog:` (resolved through the workspace's
 * catalog), yarn `patch:` (a patch over a registry package), and specs that could not be
 * classified. Name-based checks (typosquat) look at these too; git, URL and path specs
 * bring their own code.
 */
export function namesRegistryPackage(kind: SpecKind): boolean {
  return isRegistrySpecKind(kind) || kind === 'catalog' || kind === 'patch' || kind === 'invalid';
}

/** `file:` and a path of characters no URL or path step changes (no %, ~, \\, spaces or colons). */
const PLAIN_FILE_SPEC = /^file:[A-Za-z0-9._@/-]+$/;
/** npm-package-arg's test for a tarball file (isFileType), as it is written there. */
const NPA_FILE_TYPE = /[.](?:tgz|tar.gz|tar)$/i;

export interface ClassifiedSpec {
  kind: SpecKind;
  aliasOf?: { name: string; spec: string };
  /** URL npm would fetch for git and remote specs. */
  url?: string;
}

/**
 * `npm:` and a name npm accepts whatever its rules (lower case, no leading dot or
 * underscore, a scope of the same letters), then `@` and a spec without `/` or `:`.
 */
const PLAIN_ALIAS = /^npm:((?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*)@([^/:]+)$/;
/** The names validate-npm-package-name refuses outright (npa then throws). */
const EXCLUDED_NAMES = new Set(['node_modules', 'favicon.ico']);

/**
 * The kind npa gives a spec of no protocol and no `/`, when it is a registry one: a
 * version, a range, or a dist-tag, tested in npa's order. Undefined for the others.
 */
function registrySpecKind(spec: string): 'version' | 'range' | 'tag' | undefined {
  const trimmed = spec.trim();
  if (EXACT_VERSION.test(trimmed)) return 'version';
  if (CARET_TILDE_RANGE.test(spec) || trimmed === '' || trimmed === '*' || semver.validRange(spec, true) !== null) return 'range';
  if (encodeURIComponent(spec) === spec) return 'tag';
  return undefined;
}

/**
 * Classifies a dependency spec the way npm does (npm-package-arg), plus the protocols
 * npm does not know but yarn and pnpm write into package.json (workspace:, link:,
 * catalog:, patch:, portal:).
 */
export function classifySpec(name: string, spec: string): ClassifiedSpec {
  const protocol = /^([a-z]+):/.exec(spec)?.[1];
  switch (protocol) {
    case 'workspace':
      return { kind: 'workspace' };
    case 'link':
      return { kind: 'link' };
    case 'catalog':
      return { kind: 'catalog' };
    case 'patch':
      return { kind: 'patch' };
    case 'portal':
      return { kind: 'portal' };
  }
  // A plain relative `file:` path (pnpm lockfiles write one per local package): npa's
  // answer by its own test, without the URL and path work that cost ~100 µs a spec.
  if (protocol === 'file' && PLAIN_FILE_SPEC.test(spec)) return { kind: NPA_FILE_TYPE.test(spec) ? 'file' : 'directory' };
  // Fast path for the common registry specs: npm-package-arg costs ~40 µs a spec (it
  // builds URLs and hosted-git objects), which dominated parsing a large package.json.
  if (!protocol && !spec.includes('/')) {
    const kind = registrySpecKind(spec);
    if (kind) return { kind };
  }
  // `npm:<name>@<spec>` with a plain name and a registry spec: what npa answers, without
  // its two passes (~55 µs an alias; babel's package.json files have ten).
  if (protocol === 'npm') {
    const alias = PLAIN_ALIAS.exec(spec);
    if (alias && !EXCLUDED_NAMES.has(alias[1]) && registrySpecKind(alias[2])) return { kind: 'alias', aliasOf: { name: alias[1], spec: alias[2] } };
  }
  let parsed: npa.Result;
  try {
    parsed = npa.resolve(name, spec, '/');
  } catch {
    // npa throws on names it thinks invalid; still classify the spec alone.
    try {
      parsed = npa.resolve('x', spec, '/');
    } catch {
      return { kind: 'invalid' };
    }
  }
  switch (parsed.type) {
    case 'version':
      return { kind: 'version' };
    case 'range':
      return { kind: 'range' };
    case 'tag':
      return { kind: 'tag' };
    case 'alias': {
      const sub = (parsed as npa.Result & { subSpec?: npa.Result }).subSpec;
      return { kind: 'alias', aliasOf: { name: sub?.name ?? '', spec: sub?.rawSpec ?? '' } };
    }
    case 'git': {
      // Shorthands (user/repo, github:) are fetched over https by npm; a URL written
      // out is kept as written so that git:// and http:// show up.
      return { kind: 'git', url: /^[a-z+]+:\/\//.test(spec) ? spec : parsed.fetchSpec ?? spec };
    }
    case 'remote':
      return { kind: 'remote', url: spec };
    case 'file':
      return { kind: 'file' };
    case 'directory':
      return { kind: 'directory' };
    default:
      return { kind: 'invalid' };
  }
}
