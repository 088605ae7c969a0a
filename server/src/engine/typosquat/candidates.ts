/**
 * How one name can imitate another: the named kinds of difference the detector looks
 * for, and the small string functions that recognise them.
 */

/** Every kind of imitation, named as it appears in messages. */
export type ReasonKind =
  | 'casing'
  | 'look-alike'
  | 'separator'
  | 'scope'
  | 'affix'
  | 'shortened'
  | 'transposition'
  | 'repeated-letter'
  | 'dropped-letter'
  | 'added-letter'
  | 'substitution'
  | 'two-edits';

/** One way a name differs from the popular name it may imitate. */
export interface Reason {
  kind: ReasonKind;
  /** Human text for the message, e.g. "repeated letter", "added suffix \"-js\"". */
  text: string;
}

const SEPARATORS = /[-_.]/g;

/** The name with separators removed: "cross-env", "cross_env" and "crossenv" share it. */
export function squash(name: string): string {
  return name.toLowerCase().replace(SEPARATORS, '');
}

/**
 * True when two names differ only in a separator before a version-like part ("uuid-v4" /
 * "uuidv4", "utf-8" / "utf8", "base-64" / "base64"): such pairs are commonly separate,
 * legitimate packages rather than a separator slip.
 */
export function differsOnlyBeforeVersion(a: string, b: string): boolean {
  const strip = (s: string) => s.toLowerCase().replace(/[-_.](?=v?\d)/g, '');
  return strip(a) === strip(b);
}

export function hasSeparator(name: string): boolean {
  return /[-_.]/.test(name);
}

/** Splits "@scope/name" into ["scope", "name"]; unscoped names have scope "". */
export function splitScope(name: string): [scope: string, bare: string] {
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    if (slash > 0) return [name.slice(1, slash), name.slice(slash + 1)];
  }
  return ['', name];
}

/**
 * Characters that look alike in a code font. Mapping a name through this gives the same
 * key for "1odash", "Iodash" and "lodash", or for "rnongoose" and "mongoose".
 */
export function unconfuse(name: string): string {
  return name.replace(/I/g, 'l').toLowerCase().replace(/1/g, 'l').replace(/0/g, 'o').replace(/rn/g, 'm').replace(/vv/g, 'w');
}

/** Which look-alike swap separates the two names (for the message). */
export function describeLookAlike(candidate: string, target: string): string {
  const c = candidate.toLowerCase();
  if (/rn/.test(c) && !/rn/.test(target)) return 'look-alike characters ("rn" for "m")';
  if (/vv/.test(c) && !/vv/.test(target)) return 'look-alike characters ("vv" for "w")';
  if (/1/.test(c) && !/1/.test(target)) return 'look-alike characters ("1" for "l")';
  if (/0/.test(c) && !/0/.test(target)) return 'look-alike characters ("0" for "o")';
  if (/I/.test(candidate)) return 'look-alike characters ("I" for "l")';
  return 'look-alike characters';
}

/**
 * Words that typosquats add to a popular name ("cross-env.js", "nodemailer-js",
 * "node-fabric", "twilio-npm"): a package that wraps, ports or "installs" the real one.
 */
export const SUFFIXES = ['js', 'cli', 'utils', 'util', 'node', 'npm'];
export const PREFIXES = ['node', 'nodejs', 'js', 'npm'];

export interface AffixStrip {
  /** The name without the affix. */
  base: string;
  /** How the affix was written, e.g. "-js", ".js", "node-", "js" (joined with no separator). */
  affix: string;
  position: 'prefix' | 'suffix';
}

/**
 * Every way to read the name as (affix + base) or (base + affix). Affixes joined without a
 * separator ("mysqljs", "nodefabric") need a longer base, since short words end in "js"
 * or start with "node" by chance.
 */
export function stripAffixes(name: string): AffixStrip[] {
  const out: AffixStrip[] = [];
  const lower = name.toLowerCase();
  for (const s of SUFFIXES) {
    if (!lower.endsWith(s)) continue;
    const before = lower.slice(0, -s.length);
    const sep = before.slice(-1);
    if (sep === '-' || sep === '_' || sep === '.') {
      if (before.length > 2) out.push({ base: before.slice(0, -1), affix: sep + s, position: 'suffix' });
    } else if (before.length >= 4) {
      out.push({ base: before, affix: s, position: 'suffix' });
    }
  }
  for (const p of PREFIXES) {
    if (!lower.startsWith(p)) continue;
    const after = lower.slice(p.length);
    const sep = after[0];
    if (sep === '-' || sep === '_' || sep === '.') {
      if (after.length > 2) out.push({ base: after.slice(1), affix: p + sep, position: 'prefix' });
    } else if (after.length >= 4) {
      out.push({ base: after, affix: p, position: 'prefix' });
    }
  }
  return out;
}

export function describeAffix(strip: AffixStrip): string {
  return strip.position === 'suffix' ? `added suffix "${strip.affix}"` : `added prefix "${strip.affix}"`;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), giving up
 * as soon as it must exceed `max` (returns max + 1 then). Hand-written rather than taken
 * from a library because the early exit is what keeps verification cheap.
 *
 * `scratch` is a buffer the caller reuses across calls (a name index checks thousands of
 * names per query; allocating per call would be most of the cost). It must hold
 * 3 × (b.length + 1) numbers; a short one is ignored and a fresh one allocated.
 */
export function boundedDistance(a: string, b: string, max: number, scratch?: Int32Array): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = a.length;
  const m = b.length;
  const rows = scratch && scratch.length >= 3 * (m + 1) ? scratch : new Int32Array(3 * (m + 1));
  // Three rows in one reused buffer: two back (for swaps), previous, current.
  let prev2 = 0;
  let prev = m + 1;
  let cur = 2 * (m + 1);
  for (let j = 0; j <= m; j++) rows[prev + j] = j;
  for (let i = 1; i <= n; i++) {
    rows[cur] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(rows[prev + j] + 1, rows[cur + j - 1] + 1, rows[prev + j - 1] + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) d = Math.min(d, rows[prev2 + j - 2] + 1);
      rows[cur + j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    const oldest = prev2;
    prev2 = prev;
    prev = cur;
    cur = oldest;
  }
  return Math.min(rows[prev + m], max + 1);
}

const isSeparator = (c: string | undefined) => c === '-' || c === '_' || c === '.';

/** A single edit, named, with where it happened (for gating). */
export interface SingleEdit extends Reason {
  /** Offset of the edit in the target. */
  at: number;
  /** The characters added, dropped or swapped in. */
  chars: string;
}

/**
 * Names the single edit that turns `target` into `candidate` (they must be at distance 1).
 */
export function classifySingleEdit(candidate: string, target: string): SingleEdit {
  let p = 0;
  while (p < candidate.length && p < target.length && candidate[p] === target[p]) p++;
  if (candidate.length === target.length + 1) {
    const extra = candidate[p];
    if ((p > 0 && candidate[p - 1] === extra) || candidate[p + 1] === extra) return { kind: 'repeated-letter', text: 'repeated letter', at: p, chars: extra };
    if (isSeparator(extra)) return { kind: 'separator', text: 'added separator', at: p, chars: extra };
    return { kind: 'added-letter', text: `added letter "${extra}"`, at: p, chars: extra };
  }
  if (candidate.length + 1 === target.length) {
    const missing = target[p];
    if ((p > 0 && target[p - 1] === missing) || target[p + 1] === missing) return { kind: 'dropped-letter', text: 'dropped repeated letter', at: p, chars: missing };
    if (isSeparator(missing)) return { kind: 'separator', text: 'dropped separator', at: p, chars: missing };
    return { kind: 'dropped-letter', text: `dropped letter "${missing}"`, at: p, chars: missing };
  }
  if (candidate[p + 1] === target[p] && candidate[p] === target[p + 1] && candidate.slice(p + 2) === target.slice(p + 2)) {
    return { kind: 'transposition', text: 'swapped letters', at: p, chars: target[p] + target[p + 1] };
  }
  const c = candidate[p];
  const t = target[p];
  if (isSeparator(c) && isSeparator(t)) return { kind: 'separator', text: 'changed separator', at: p, chars: c + t };
  return { kind: 'substitution', text: `"${c}" instead of "${t}"`, at: p, chars: c + t };
}

/** QWERTY rows: a fat finger hits a key next to the intended one. */
const KEY_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const KEY_POSITION = new Map<string, [row: number, col: number]>();
KEY_ROWS.forEach((row, r) => [...row].forEach((ch, c) => KEY_POSITION.set(ch, [r, c])));

/** Keys that touch on a QWERTY keyboard (rows are staggered by about half a key). */
export function areNeighbourKeys(a: string, b: string): boolean {
  const pa = KEY_POSITION.get(a);
  const pb = KEY_POSITION.get(b);
  if (!pa || !pb || a === b) return false;
  const dr = pb[0] - pa[0];
  const dc = pb[1] - pa[1];
  if (dr === 0) return Math.abs(dc) === 1;
  if (dr === 1) return dc === 0 || dc === -1;
  if (dr === -1) return dc === 0 || dc === 1;
  return false;
}

/**
 * Whether a single edit looks like a slip of the keyboard rather than a different name.
 * Legitimate neighbours of popular names tend to differ in ways typos rarely do: a letter
 * that is not next to the intended key (consola/console, jsona/jsonp), the first or last
 * letter of a word (preact/react, koa-route/koa-router, deprecate/deprecated), a digit
 * (findit2, http-proxy-3), a trailing plural "s" (inherit/inherits), or a name or word
 * so short that every other word is one letter away (ws/qs, it-map/is-map, jets/jest).
 */
export function isPlausibleSlip(edit: SingleEdit, candidate: string, target: string): boolean {
  if (/[0-9]/.test(edit.chars)) return false;
  if (edit.kind === 'separator') return !differsOnlyBeforeVersion(candidate, target);
  if (target.length < 5) return false;
  return isPlausibleWordSlip(edit, candidate, target);
}

/** The part of isPlausibleSlip that looks at the word the edit falls in. */
function isPlausibleWordSlip(edit: SingleEdit, candidate: string, target: string): boolean {
  // The word of the edit, in the name that holds the edited letter.
  const holder = edit.kind === 'added-letter' || edit.kind === 'repeated-letter' ? candidate : target;
  const [word, wordStart] = segmentAt(holder, edit.at);
  const offset = edit.at - wordStart;
  const atEdge = offset === 0 || offset === word.length - 1;
  switch (edit.kind) {
    case 'repeated-letter':
      return word.length >= 3;
    case 'transposition':
      return offset > 0 && word.length >= 4;
    case 'dropped-letter': {
      const doubled = target[edit.at - 1] === edit.chars || target[edit.at + 1] === edit.chars;
      return doubled ? word.length >= 4 : word.length >= 6 && !atEdge;
    }
    case 'added-letter': {
      if (atEdge || word.length < 4) return false;
      const before = candidate[edit.at - 1];
      const after = candidate[edit.at + 1];
      return areNeighbourKeys(edit.chars, before) || areNeighbourKeys(edit.chars, after);
    }
    case 'substitution':
      return offset > 0 && word.length >= 4 && areNeighbourKeys(edit.chars[0], edit.chars[1]);
    default:
      return true;
  }
}

/** Names a two-edit difference as well as it can without aligning the edits. */
export function describeDoubleEdit(candidate: string, target: string): string {
  if (candidate.length === target.length + 2) return 'two added letters';
  if (candidate.length + 2 === target.length) return 'two dropped letters';
  return 'two typos';
}

/** The separator-delimited segment that contains offset `at`. */
function segmentAt(name: string, at: number): [segment: string, start: number] {
  let start = at;
  while (start > 0 && !isSeparator(name[start - 1])) start--;
  let end = at;
  while (end < name.length && !isSeparator(name[end])) end++;
  return [name.slice(start, end), start];
}

/**
 * Two edits are only believable as two slips in two different words, each a plausible
 * slip on its own: "webpak-dev-serverr" is, "markdown-title" (for markdown-table) and
 * "commandbar" (for commander) are other words.
 */
export function isPlausibleDoubleSlip(candidate: string, target: string): boolean {
  const a = candidate.split(/[-_.]/);
  const b = target.split(/[-_.]/);
  if (a.length !== b.length) return false;
  let changed = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    changed++;
    if (boundedDistance(a[i], b[i], 1) !== 1) return false;
    const edit = classifySingleEdit(a[i], b[i]);
    if (/[0-9]/.test(edit.chars) || edit.kind === 'separator' || !isPlausibleWordSlip(edit, a[i], b[i])) return false;
  }
  return changed === 2;
}

/**
 * Scope names are brands, and brands one letter apart are common (@storyblok/@storybook,
 * @vinejs/@vitejs): only strong slips count there, and a scope that adds a word of its own
 * (@salesforce-ux, @nestjsx) is a sub-brand, not a typo. Letters glued onto a long scope
 * (@typescript_eslinter) do count.
 */
export function isPlausibleScopeSlip(scope: string, target: string, distance: number): boolean {
  const a = squash(scope);
  const b = squash(target);
  if (a.startsWith(b) && /[-_.]/.test(scope.slice(target.length, target.length + 1))) return false;
  if (distance === 2) return b.length >= 12 && a.length === b.length + 2 && a.startsWith(b);
  const edit = classifySingleEdit(a, b);
  if (edit.kind !== 'repeated-letter' && edit.kind !== 'transposition' && edit.kind !== 'dropped-letter') return false;
  return isPlausibleSlip(edit, a, b);
}
