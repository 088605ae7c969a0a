import type { ParseError } from './model';

/**
 * Unresolved merge conflicts (git's `<<<<<<<`, `|||||||`, `=======`, `>>>>>>>` lines) in a
 * package.json or lockfile. A parser sees them as a burst of "unexpected character"
 * errors that never say what happened, and stops reading entries that are still there.
 * Instead the file gets one error that names the conflict, and each side is read on its
 * own: `ours` and `theirs` are the file as each branch had it, with the other branch's
 * lines and the marker lines blanked to spaces. Both keep the file's length and line
 * breaks, so every span parsed from either side points at the right place in the file.
 */
export interface MergeConflicts {
  /** The first conflict: its `<<<<<<<` line (1-based) and that line's span. */
  line: number;
  span: { start: number; end: number };
  /** The 1-based line of the first conflict's `>>>>>>>` (its last line when it has none). */
  endLine: number;
  /** How many conflicts the file holds. */
  count: number;
  ours: string;
  theirs: string;
}

type Marker = '<' | '|' | '=' | '>';

/** The marker a line starts with, if any: seven of the character, then the end of the line or a space. */
function markerOf(text: string, start: number, end: number): Marker | undefined {
  const c = text[start];
  if (c !== '<' && c !== '|' && c !== '=' && c !== '>') return undefined;
  if (end - start < 7) return undefined;
  for (let i = start + 1; i < start + 7; i++) if (text[i] !== c) return undefined;
  const next = start + 7 < end ? text[start + 7] : '';
  if (next !== '' && next !== ' ' && next !== '\r') return undefined;
  return c as Marker;
}

const blank = (line: string) => line.replace(/[^\r\n]/g, ' ');

/** The file's merge conflicts, or undefined when it has none. Linear in the text. */
export function findMergeConflicts(text: string): MergeConflicts | undefined {
  // Cheap test first: nearly every file has no marker at all.
  if (!text.startsWith('<<<<<<<') && !text.includes('\n<<<<<<<')) return undefined;
  const ours: string[] = [];
  const theirs: string[] = [];
  let state: 'outside' | 'ours' | 'base' | 'theirs' = 'outside';
  let first: MergeConflicts | undefined;
  let count = 0;
  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    const content = nl < 0 ? text.length : nl;
    const line = text.slice(start, end);
    lineNo++;
    const marker = markerOf(text, start, content);
    let side: 'both' | 'ours' | 'theirs' | 'none' = state === 'outside' ? 'both' : state === 'ours' ? 'ours' : state === 'theirs' ? 'theirs' : 'none';
    if (marker === '<' && state === 'outside') {
      state = 'ours';
      side = 'none';
      count++;
      first ??= { line: lineNo, span: { start, end: content }, endLine: lineNo, count: 0, ours: '', theirs: '' };
    } else if (marker === '|' && state === 'ours') {
      state = 'base'; // diff3 style: the common ancestor's lines belong to neither side
      side = 'none';
    } else if (marker === '=' && (state === 'ours' || state === 'base')) {
      state = 'theirs';
      side = 'none';
    } else if (marker === '>' && state === 'theirs') {
      state = 'outside';
      side = 'none';
      if (count === 1 && first) first.endLine = lineNo;
    }
    ours.push(side === 'both' || side === 'ours' ? line : blank(line));
    theirs.push(side === 'both' || side === 'theirs' ? line : blank(line));
    if (first && count === 1 && state !== 'outside') first.endLine = lineNo;
    start = end;
  }
  if (!first) return undefined;
  return { ...first, count, ours: ours.join(''), theirs: theirs.join('') };
}

/** The one parse error a conflicted file gets: what it is, where, and that both sides were read. */
export function mergeConflictError(c: MergeConflicts): ParseError {
  const more = c.count > 1 ? `, and ${c.count - 1} more conflict${c.count === 2 ? '' : 's'} below` : '';
  return {
    message: `line ${c.line}: unresolved merge conflict (lines ${c.line}-${c.endLine}${more}); the entries on both sides were checked`,
    span: c.span,
  };
}
