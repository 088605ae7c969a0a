import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TyposquatDetector } from './detector';
import { loadPopularPackages, popularSource } from './popular';
import { readPopularIndex, tablesFromList, writePopularIndex, type PopularTables } from './popular-index';

export { TyposquatDetector, type TyposquatMatch, type CheckOptions } from './detector';
export { loadPopularPackages, popularSource, type PopularPackage } from './popular';
export type { Reason, ReasonKind } from './candidates';

/**
 * esbuild.mjs defines this as the file name of the index it writes beside the bundles
 * (dist/typosquat-index.bin); unbundled (tests through tsx) it is not defined, and the
 * same bytes are made from the list in memory, so that tests read the tables the way the
 * bundles do.
 */
declare const DEPWARDEN_TYPOSQUAT_INDEX: string | undefined;

/**
 * The engine's module-level memos, and they are not scan state: the tables and the
 * detector over the bundled list never change once loaded (a scan's allow list and
 * registry evidence are passed to each check).
 */
let sharedTables: PopularTables | undefined;
let shared: TyposquatDetector | undefined;

/** The tables of the bundled popular list (popular-index.ts), loaded on first use. */
export function popularTables(): PopularTables {
  sharedTables ??= readPopularIndex(
    typeof DEPWARDEN_TYPOSQUAT_INDEX === 'string'
      ? readFileSync(path.join(__dirname, DEPWARDEN_TYPOSQUAT_INDEX))
      : writePopularIndex(tablesFromList(loadPopularPackages(), popularSource())),
  );
  return sharedTables;
}

/** The detector over the bundled popular list, made on first use and then kept (with its memo of checked names). */
export function popularNameDetector(): TyposquatDetector {
  shared ??= new TyposquatDetector(popularTables());
  return shared;
}
