import { TyposquatDetector, type DetectorSnapshot } from './detector';
import { loadPopularPackages } from './popular';

export { TyposquatDetector, type TyposquatMatch, type CheckOptions, type DetectorSnapshot } from './detector';
export { loadPopularPackages, POPULAR_SOURCE, type PopularPackage } from './popular';
export type { Reason, ReasonKind } from './candidates';

/**
 * The engine's one module-level memo, and it is not scan state: the detector over the
 * bundled list never changes after it is built (a scan's allow list and registry evidence
 * are passed to each check).
 */
let shared: TyposquatDetector | undefined;

/**
 * esbuild.mjs defines this as the JSON of the bundled list's detector snapshot, built at
 * build time; unbundled (tests through tsx) it is not defined and the detector is built
 * from the list.
 */
declare const DEPWARDEN_TYPOSQUAT_SNAPSHOT: string | undefined;

function bundledSnapshot(): DetectorSnapshot | undefined {
  return typeof DEPWARDEN_TYPOSQUAT_SNAPSHOT === 'string' ? (JSON.parse(DEPWARDEN_TYPOSQUAT_SNAPSHOT) as DetectorSnapshot) : undefined;
}

/**
 * The detector over the bundled popular list, built on first use and then kept: it is
 * immutable, and rebuilding it on every keystroke would cost more than the check itself.
 */
export function popularNameDetector(): TyposquatDetector {
  shared ??= new TyposquatDetector(loadPopularPackages(), {}, bundledSnapshot());
  return shared;
}
