/**
 * A version-against-range check answered once per pair. A monorepo's packages name the
 * same dependencies, and each other, with the same ranges hundreds of times, and semver
 * parses a range anew on every call. Made per rule run: the answers are pure, and the
 * pairs are the project's, so the memo goes when the run ends.
 */
export function rangeCheckMemo(check: (version: string, range: string) => boolean): (version: string, range: string) => boolean {
  // Nested maps rather than a joined key: versions and ranges are the project's text, and
  // no separator is safe from a pair that contains it.
  const answers = new Map<string, Map<string, boolean>>();
  return (version, range) => {
    let byRange = answers.get(version);
    if (!byRange) answers.set(version, (byRange = new Map()));
    let answer = byRange.get(range);
    if (answer === undefined) byRange.set(range, (answer = check(version, range)));
    return answer;
  };
}
