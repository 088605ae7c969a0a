import semver from 'semver';

/**
 * `1.2.3`: the shape of nearly every locked version. Parts without leading zeros and of at
 * most 15 digits (below Number.MAX_SAFE_INTEGER), so each is exactly what semver.valid
 * accepts and returns unchanged.
 */
const PLAIN_RELEASE = /^(?:0|[1-9]\d{0,14})\.(?:0|[1-9]\d{0,14})\.(?:0|[1-9]\d{0,14})$/;

/**
 * semver.valid(v) !== null, without building a SemVer for the common shape: asked for
 * every lockfile entry by several steps of a scan, semver.valid was ~3% of an offline
 * theia scan.
 */
export function isValidVersion(v: string): boolean {
  return PLAIN_RELEASE.test(v) || semver.valid(v) !== null;
}

/** semver.valid(v) === v for the common shape (see isPlainVersion). */
export function isPlainRelease(v: string): boolean {
  return PLAIN_RELEASE.test(v);
}
