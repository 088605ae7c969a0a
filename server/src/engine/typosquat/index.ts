import { TyposquatDetector } from './detector';
import { loadPopularPackages } from './popular';

export { TyposquatDetector, type TyposquatMatch, type CheckOptions } from './detector';
export { loadPopularPackages, POPULAR_SOURCE, type PopularPackage } from './popular';
export type { Reason, ReasonKind } from './candidates';

let shared: TyposquatDetector | undefined;

/**
 * The detector over the bundled popular list, built on first use and then kept: it is
 * immutable, and rebuilding it on every keystroke would cost more than the check itself.
 */
export function popularNameDetector(): TyposquatDetector {
  shared ??= new TyposquatDetector(loadPopularPackages());
  return shared;
}
