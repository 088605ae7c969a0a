/**
 * Globs from the scanned repository, matched without regular expressions: workspace
 * folders (npm and yarn `workspaces`) and package-name patterns (release-age excludes).
 *
 * Why not a regex, or picomatch/minimatch (which package managers use and which compile
 * to one): a glob's stars become `[^/]*?` and backtrack. `**x**x**x**xy` against a name of
 * 3,000 x's took 21 s in picomatch 2.3 and more than 30 s in minimatch 10 (measured), and
 * each further star multiplies the time. Here the pieces between stars are placed at their
 * leftmost possible position, which is always a right choice for `*` wildcards (a later
 * placement leaves less room for the rest), so no choice is ever revisited: a name is
 * read a bounded number of times (KMP for pieces without `?`).
 */

/** Longest path (PATH_MAX) and folder name (NAME_MAX) a file system holds: a longer path
 * is not a folder, so it matches no workspace glob (and bounds the work per path). */
const MAX_PATH_LENGTH = 4096;
const MAX_NAME_LENGTH = 255;

/** A piece of a pattern between stars. */
interface Piece {
  text: string;
  /** Whether `?` (any one character) occurs in it; such pieces are searched naively. */
  wild: boolean;
  /** KMP failure table, for pieces without `?`. */
  fail: Int32Array | null;
}

/** A wildcard pattern split at its stars: `a*b*c` -> a, b, c; no star -> one piece. */
interface Wildcard {
  pieces: Piece[];
  /** Characters a match needs at least (stars match nothing). */
  minLength: number;
}

/**
 * A package-name pattern: `*` matches any run of characters (`/` included), everything
 * else itself. This is pnpm's minimumReleaseAgeExclude (@pnpm/matcher) and the reading
 * depwarden gives yarn's and bun's lists.
 */
export function compileNamePattern(pattern: string): (name: string) => boolean {
  const w = compileWildcard(pattern, false);
  return (name) => matchWildcard(w, name);
}

/**
 * A workspace glob as npm and yarn read it (minimatch semantics, as they glob
 * `<pattern>/package.json`): `/` separates folder names, `*` matches within one name and
 * `?` one character of it, `**` alone in a segment matches zero or more folders (also at
 * the end: `a/**` takes `a` itself), `**` inside a name is a `*`. The path is relative,
 * `/`-separated, '' for the root. Negation is the caller's (see workspaceGlobMatcher).
 */
export function compilePathGlob(glob: string): (path: string) => boolean {
  // Runs of segment patterns between globstars: `a/**/b/c/**` -> [[a], [b, c], []].
  const runs: Wildcard[][] = [[]];
  for (const segment of glob === '' ? [] : glob.split('/')) {
    if (segment === '**') {
      if (runs[runs.length - 1].length > 0 || runs.length === 1) runs.push([]);
    } else {
      runs[runs.length - 1].push(compileWildcard(segment, true));
    }
  }
  return (path) => {
    if (path.length > MAX_PATH_LENGTH) return false;
    const names = path === '' ? [] : path.split('/');
    for (const name of names) if (name.length > MAX_NAME_LENGTH) return false;
    return matchRuns(runs, names);
  };
}

/**
 * Which folders are workspaces, for a list of globs: those matching an including glob and
 * no excluding one (`!glob`; npm reads `!!glob` as including). Leading `./` and `/` and
 * trailing `/` are not part of the glob; backslashes are read as `/`, as npm does on Windows.
 */
export function workspaceGlobMatcher(globs: readonly string[]): (path: string) => boolean {
  const include: ((path: string) => boolean)[] = [];
  const exclude: ((path: string) => boolean)[] = [];
  for (const raw of globs) {
    let bangs = 0;
    while (raw.charCodeAt(bangs) === 33 /* ! */) bangs++;
    const glob = normalizeGlob(raw.slice(bangs));
    (bangs % 2 === 1 ? exclude : include).push(compilePathGlob(glob));
  }
  return (path) => include.some((m) => m(path)) && !exclude.some((m) => m(path));
}

function normalizeGlob(glob: string): string {
  let g = glob.replaceAll('\\', '/');
  let start = 0;
  for (;;) {
    if (g.startsWith('./', start)) start += 2;
    else if (g.charCodeAt(start) === 47 /* / */) start++;
    else break;
  }
  let end = g.length;
  while (end > start && g.charCodeAt(end - 1) === 47) end--;
  g = g.slice(start, end);
  return g === '.' ? '' : g;
}

// -------------------------------------------------------------------------------------
// Segment level: names against runs of segment patterns, globstars between the runs.

function matchRuns(runs: Wildcard[][], names: string[]): boolean {
  const first = runs[0];
  if (runs.length === 1) return first.length === names.length && runMatchesAt(first, names, 0);
  const last = runs[runs.length - 1];
  const lastStart = names.length - last.length;
  if (lastStart < first.length || !runMatchesAt(first, names, 0) || !runMatchesAt(last, names, lastStart)) return false;
  let pos = first.length;
  for (let r = 1; r < runs.length - 1; r++) {
    const run = runs[r];
    let at = pos;
    while (at + run.length <= lastStart && !runMatchesAt(run, names, at)) at++;
    if (at + run.length > lastStart) return false;
    pos = at + run.length;
  }
  return true;
}

function runMatchesAt(run: Wildcard[], names: string[], at: number): boolean {
  for (let i = 0; i < run.length; i++) if (!matchWildcard(run[i], names[at + i])) return false;
  return true;
}

// -------------------------------------------------------------------------------------
// Character level: one name against a wildcard.

function compileWildcard(pattern: string, questionMark: boolean): Wildcard {
  const texts = pattern.split('*');
  // Empty pieces between stars (`a**b`, a name of 100,000 stars) match anywhere: drop them,
  // so that the work per name never exceeds the name's length.
  const kept = texts.length <= 2 ? texts : [texts[0], ...texts.slice(1, -1).filter((t) => t !== ''), texts[texts.length - 1]];
  const pieces = kept.map((text): Piece => {
    const wild = questionMark && text.includes('?');
    return { text, wild, fail: wild ? null : failureTable(text) };
  });
  let minLength = 0;
  for (const p of pieces) minLength += p.text.length;
  return { pieces, minLength };
}

function matchWildcard(w: Wildcard, s: string): boolean {
  if (s.length < w.minLength) return false;
  const { pieces } = w;
  const first = pieces[0];
  if (pieces.length === 1) return s.length === first.text.length && pieceAt(first, s, 0);
  const last = pieces[pieces.length - 1];
  const lastStart = s.length - last.text.length;
  if (!pieceAt(first, s, 0) || !pieceAt(last, s, lastStart)) return false;
  let pos = first.text.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const at = findPiece(pieces[i], s, pos, lastStart);
    if (at < 0) return false;
    pos = at + pieces[i].text.length;
  }
  return true;
}

/** Whether the piece matches s at `at` (`?` any character when the piece is wild). */
function pieceAt(p: Piece, s: string, at: number): boolean {
  const t = p.text;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c !== s.charCodeAt(at + i) && !(p.wild && c === 63 /* ? */)) return false;
  }
  return true;
}

/** The leftmost start >= from where the piece lies wholly before `end`, or -1. */
function findPiece(p: Piece, s: string, from: number, end: number): number {
  const t = p.text;
  const m = t.length;
  if (m === 0) return from;
  if (p.fail === null) {
    // Pieces with `?` occur only in folder names, at most MAX_NAME_LENGTH long: the naive
    // search is bounded there (KMP's table does not hold with a wildcard in the piece).
    for (let at = from; at + m <= end; at++) if (pieceAt(p, s, at)) return at;
    return -1;
  }
  // KMP: each character of s is read once (String#indexOf is not linear on inputs like
  // "a".repeat(500) + "b" + "a".repeat(500) in V8).
  const fail = p.fail;
  let k = 0;
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i);
    while (k > 0 && t.charCodeAt(k) !== c) k = fail[k - 1];
    if (t.charCodeAt(k) === c) k++;
    if (k === m) return i - m + 1;
  }
  return -1;
}

/** fail[i]: length of the longest proper prefix of t[0..i] that is also its suffix. */
function failureTable(t: string): Int32Array {
  const fail = new Int32Array(t.length);
  let k = 0;
  for (let i = 1; i < t.length; i++) {
    while (k > 0 && t.charCodeAt(i) !== t.charCodeAt(k)) k = fail[k - 1];
    if (t.charCodeAt(i) === t.charCodeAt(k)) k++;
    fail[i] = k;
  }
  return fail;
}
