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

/**
 * Longest path (PATH_MAX) and folder name (NAME_MAX) a file system holds: a longer path is
 * no folder, so it matches no workspace glob. And no workspace lies 100 folders deep: a
 * deeper path matches none either. These bound the work per path: placing a run of folder
 * patterns between globstars tries each start (depth x run length segment tests).
 */
const MAX_PATH_LENGTH = 4096;
const MAX_NAME_LENGTH = 255;
const MAX_DEPTH = 100;

/** A wildcard pattern split at its stars: `a*b*c` -> a, b, c; no star -> one piece. */
interface Wildcard {
  pieces: string[];
  /** Whether `?` in a piece matches any one character (path globs) or itself (name patterns). */
  questionMark: boolean;
  /** Characters a match needs at least (stars match nothing). */
  minLength: number;
  /** Search tables by piece, computed when a piece is first searched. */
  tables: (number[] | WildTable | undefined)[];
}

/** Shift-And masks of a piece with `?`: bit i of masks(c) is set where the piece has c or `?`. */
interface WildTable {
  words: number;
  byChar: Map<number, Int32Array>;
  /** The `?` positions alone, for characters the piece does not contain. */
  other: Int32Array;
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
  // Runs of segment patterns between globstars: `a/**/b/c/**` -> [[a], [b, c], []]. Empty
  // segments are dropped from globs and paths alike (minimatch reads `a//b` as `a/b`).
  const runs: Wildcard[][] = [[]];
  for (const segment of glob.split('/')) {
    if (segment === '') continue;
    if (segment === '**') {
      if (runs[runs.length - 1].length > 0 || runs.length === 1) runs.push([]);
    } else {
      runs[runs.length - 1].push(compileWildcard(segment, true));
    }
  }
  return (path) => {
    if (path.length > MAX_PATH_LENGTH) return false;
    const names = path.split('/').filter((name) => name !== '');
    if (names.length > MAX_DEPTH) return false;
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
  const pieces = texts.length <= 2 ? texts : [texts[0], ...texts.slice(1, -1).filter((t) => t !== ''), texts[texts.length - 1]];
  let minLength = 0;
  for (const p of pieces) minLength += p.length;
  return { pieces, questionMark, minLength, tables: [] };
}

function matchWildcard(w: Wildcard, s: string): boolean {
  if (s.length < w.minLength) return false;
  const { pieces, questionMark } = w;
  const first = pieces[0];
  if (pieces.length === 1) return s.length === first.length && pieceAt(first, s, 0, questionMark);
  const last = pieces[pieces.length - 1];
  const lastStart = s.length - last.length;
  if (!pieceAt(first, s, 0, questionMark) || !pieceAt(last, s, lastStart, questionMark)) return false;
  let pos = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const at = findPiece(w, i, s, pos, lastStart);
    if (at < 0) return false;
    pos = at + pieces[i].length;
  }
  return true;
}

/** Whether the piece matches s at `at`. */
function pieceAt(piece: string, s: string, at: number, questionMark: boolean): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i);
    if (c !== s.charCodeAt(at + i) && !(questionMark && c === 63 /* ? */)) return false;
  }
  return true;
}

/** The leftmost start >= from where piece i lies wholly before `end`, or -1. */
function findPiece(w: Wildcard, i: number, s: string, from: number, end: number): number {
  const t = w.pieces[i];
  if (w.questionMark && t.includes('?')) return findWild(t, (w.tables[i] ??= wildTable(t)) as WildTable, s, from, end);
  // KMP: each character of s is read once (String#indexOf is not linear on inputs like
  // "a".repeat(500) + "b" + "a".repeat(500) in V8).
  const fail = (w.tables[i] ??= failureTable(t)) as number[];
  const m = t.length;
  let k = 0;
  for (let j = from; j < end; j++) {
    const c = s.charCodeAt(j);
    while (k > 0 && t.charCodeAt(k) !== c) k = fail[k - 1];
    if (t.charCodeAt(k) === c) k++;
    if (k === m) return j - m + 1;
  }
  return -1;
}

/** fail[i]: length of the longest proper prefix of t[0..i] that is also its suffix. */
function failureTable(t: string): number[] {
  const fail: number[] = [0];
  let k = 0;
  for (let i = 1; i < t.length; i++) {
    while (k > 0 && t.charCodeAt(i) !== t.charCodeAt(k)) k = fail[k - 1];
    if (t.charCodeAt(i) === t.charCodeAt(k)) k++;
    fail[i] = k;
  }
  return fail;
}

/**
 * Shift-And for pieces with `?` (KMP's table does not hold with a wildcard in the piece):
 * bit i of the state is set when the piece's first i+1 characters end at the current one.
 * Such pieces occur only in folder names (at most MAX_NAME_LENGTH long), so a piece spans
 * at most 8 words.
 */
function findWild(t: string, table: WildTable, s: string, from: number, end: number): number {
  const m = t.length;
  if (m === 0) return from;
  const { words, byChar, other } = table;
  const state = new Int32Array(words);
  const top = words - 1;
  const topBit = 1 << ((m - 1) & 31);
  for (let j = from; j < end; j++) {
    const mask = byChar.get(s.charCodeAt(j)) ?? other;
    let carry = 1;
    for (let k = 0; k < words; k++) {
      const shifted = (state[k] << 1) | carry;
      carry = state[k] >>> 31;
      state[k] = shifted & mask[k];
    }
    if (state[top] & topBit) return j - m + 1;
  }
  return -1;
}

function wildTable(t: string): WildTable {
  const words = (t.length + 31) >>> 5;
  const other = new Int32Array(words);
  for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 63 /* ? */) other[i >>> 5] |= 1 << (i & 31);
  const byChar = new Map<number, Int32Array>();
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 63) continue;
    let mask = byChar.get(c);
    if (!mask) byChar.set(c, (mask = other.slice()));
    mask[i >>> 5] |= 1 << (i & 31);
  }
  return { words, byChar, other };
}
