/** A name from the bundled popular list (npm-high-impact). */
export interface PopularPackage {
  name: string;
  /** 1 = most popular: the list's own order (most downloaded first, then most depended on). */
  rank: number;
  /** Rank among the packages with >= 1M weekly downloads (0 when not among them). */
  downloadsRank: number;
  /** Rank among the packages with >= 500 dependents (0 when not among them). */
  dependentsRank: number;
}

interface PopularNamesFile {
  source: string;
  names: [string, number, number][];
}

/**
 * The list as committed (data/popular-names.json). Required on first use rather than
 * imported: the bundles read the index built from it at build time (popular-index.ts)
 * and do not carry the list itself.
 */
function popularNames(): PopularNamesFile {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('../data/popular-names.json') as PopularNamesFile;
}

/** Where the bundled list comes from, e.g. "npm-high-impact@1.13.0". */
export function popularSource(): string {
  return popularNames().source;
}

/** The bundled list, most popular first. */
export function loadPopularPackages(): PopularPackage[] {
  return popularNames().names.map(([name, downloadsRank, dependentsRank], i) => ({
    name,
    rank: i + 1,
    downloadsRank,
    dependentsRank,
  }));
}
