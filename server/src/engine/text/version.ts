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

export type ReleaseParts = readonly [major: number, minor: number, patch: number];

/**
 * The numbers of a plain release (what PLAIN_RELEASE matches), else undefined. Read by hand:
 * a regex with captures allocated its match and three strings for every version of every
 * rescan, and this is asked for each target by several rules.
 */
export function plainReleaseParts(v: string): ReleaseParts | undefined {
  const parts = [0, 0, 0];
  let i = 0;
  for (let k = 0; k < 3; k++) {
    const start = i;
    let n = 0;
    for (let c = v.charCodeAt(i); c >= 48 && c <= 57; c = v.charCodeAt(++i)) n = n * 10 + (c - 48);
    const digits = i - start;
    // 1 to 15 digits (exact as a double), no leading zero.
    if (digits === 0 || digits > 15 || (digits > 1 && v.charCodeAt(start) === 48)) return undefined;
    parts[k] = n;
    if (k < 2 && v.charCodeAt(i++) !== 46 /* . */) return undefined;
  }
  return i === v.length ? (parts as unknown as ReleaseParts) : undefined;
}

/**
 * major, minor and patch of a version, as semver.major/minor/patch give them (and like them
 * throwing on an invalid one), without building a SemVer for a plain release. Rules ask for
 * them for every target on every scan, and a rescan runs whenever registry data lands.
 */
export function releaseParts(v: string): ReleaseParts {
  const plain = plainReleaseParts(v);
  if (plain) return plain;
  const parsed = new semver.SemVer(v);
  return [parsed.major, parsed.minor, parsed.patch];
}

/** -1, 0 or 1, as semver.compare orders the plain releases with these parts. */
export function compareReleaseParts(a: ReleaseParts, b: ReleaseParts): number {
  return Math.sign(a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
}

/** semver.compare(a, b): -1, 0 or 1 (throwing on an invalid version), without parsing plain releases. */
export function compareVersions(a: string, b: string): number {
  const x = plainReleaseParts(a);
  const y = x && plainReleaseParts(b);
  return x && y ? compareReleaseParts(x, y) : semver.compare(a, b);
}
