import data from '../data/popular-names.json';

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

/** Where the bundled list comes from, e.g. "npm-high-impact@1.13.0". */
export const POPULAR_SOURCE: string = (data as unknown as PopularNamesFile).source;

/** The bundled list, most popular first. */
export function loadPopularPackages(): PopularPackage[] {
  return (data as unknown as PopularNamesFile).names.map(([name, downloadsRank, dependentsRank], i) => ({
    name,
    rank: i + 1,
    downloadsRank,
    dependentsRank,
  }));
}
