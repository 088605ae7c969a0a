import { getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError as JsoncError } from 'jsonc-parser';
import type { Lockfile, ParseError, Span } from '../model';
import { deepNestingMessage, findDeepNesting } from '../json-depth';

/**
 * JSON lockfiles (npm, bun) read fast and with exact spans.
 *
 * The data comes from the engine's native `JSON.parse`. The spans come from a small
 * hand-written scanner over the same text that only finds where object members start
 * and end. A full tree (jsonc-parser's `parseTree`) builds a node per value: on theia's
 * 1.2 MB package-lock.json it took 37 ms against JSON.parse's 5.4 ms (CPU time, here),
 * which alone would break the 3x budget. The scanner touches each character once,
 * allocates only for the members a caller asks for, and only ever runs on text
 * `JSON.parse` has accepted, so it can skip validation (about a third of JSON.parse's
 * time). Damaged files take the slow, tolerant path (`parseTree`), which still yields
 * whatever entries are readable.
 */

/** One `"key": value` member of a JSON object. */
export interface JsonMember {
  key: string;
  /** The key string including its quotes. */
  keySpan: Span;
  /** The key through the end of the value. */
  span: Span;
  /** Where the value starts; -1 when the member has no value (damaged files). */
  valueStart: number;
  /** The value node (tolerant path only). */
  node?: Node;
}

/** Lists the members of objects, on demand: `members(null)` for the root object. */
export interface JsonOutline {
  members(of: JsonMember | null): JsonMember[];
  /**
   * For callers about to walk the whole tree (npm's v1 lockfile nests a `dependencies`
   * object per level): checks the nesting depth and, on the fast path, notes where every
   * object and array closes, so that listing an object's members skips its nested values
   * at once instead of reading through them again at every level. Returns the offset of the
   * first bracket deeper than `limit`, or undefined.
   */
  indexBrackets(limit: number): number | undefined;
}

export interface JsonDocument {
  /** What could be read (a partial value for damaged files, undefined if nothing). */
  value: unknown;
  outline: JsonOutline;
  errors: ParseError[];
}

/**
 * Parses JSON text (or, with `jsonc`, JSON with comments and trailing commas as bun
 * writes it). Never throws. Errors name line and column: "line 12, column 5: expected ','".
 */
export function parseJsonDocument(text: string, options: { jsonc: boolean }): JsonDocument {
  if (text.trim() === '' || (text.charCodeAt(0) === 0xfeff && text.slice(1).trim() === '')) {
    return { value: undefined, outline: EMPTY_OUTLINE, errors: [{ message: 'The file is empty.', span: { start: 0, end: 0 } }] };
  }
  // Blank out what JSON.parse would reject but the format allows (BOM, comments, trailing
  // commas) with spaces of the same length, so offsets in the blanked text are the file's.
  let source = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  if (options.jsonc) source = blankJsoncExtras(source);
  try {
    const value = JSON.parse(source);
    return { value, outline: scanOutline(source), errors: [] };
  } catch (e) {
    return parseTolerantly(source, options.jsonc, (e as Error).message);
  }
}

const EMPTY_OUTLINE: JsonOutline = { members: () => [], indexBrackets: () => undefined };

function parseTolerantly(source: string, jsonc: boolean, nativeMessage: string): JsonDocument {
  // jsonc-parser's tree and its walks recurse per level (JSON.parse, which got here first, does not).
  const deep = findDeepNesting(source);
  if (deep !== undefined) {
    const message = `${positionFinder(source)(deep)}: ${deepNestingMessage()}`;
    return { value: undefined, outline: EMPTY_OUTLINE, errors: [{ message, span: { start: deep, end: deep + 1 } }] };
  }
  const found: JsoncError[] = [];
  const root = parseTree(source, found, { allowTrailingComma: jsonc, disallowComments: !jsonc, allowEmptyContent: false });
  // One error per position, and a bounded number: a badly damaged file can yield thousands.
  const errors: ParseError[] = [];
  const position = positionFinder(source);
  let lastOffset = -1;
  for (const e of found) {
    if (e.offset === lastOffset) continue;
    if (errors.length === MAX_ERRORS) break;
    lastOffset = e.offset;
    const code = printParseErrorCode(e.error);
    errors.push({
      message: `${position(e.offset)}: ${JSON_ERROR_WORDS[code] ?? code}`,
      span: { start: e.offset, end: Math.min(source.length, Math.max(e.offset + e.length, e.offset + 1)) },
    });
  }
  if (errors.length === 0) {
    // JSON.parse is stricter than jsonc-parser in a few corners: fall back on its position.
    const at = Number(/position (\d+)/.exec(nativeMessage)?.[1] ?? 0);
    errors.push({ message: `${position(at)}: ${nativeMessage}`, span: { start: at, end: Math.min(source.length, at + 1) } });
  }
  let value: unknown;
  try {
    value = root ? getNodeValue(root) : undefined;
  } catch {
    value = undefined;
  }
  return { value, outline: root ? treeOutline(root) : EMPTY_OUTLINE, errors };
}

/** jsonc-parser's error codes in words (also used for package.json). */
export const JSON_ERROR_WORDS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'expected the end of the file',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character',
};

const MAX_ERRORS = 20;

/** Describes offsets as "line 12, column 5" (both 1-based; columns count UTF-16 code units). */
export function positionFinder(text: string): (offset: number) => string {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return `line ${lo + 1}, column ${offset - lineStarts[lo] + 1}`;
  };
}

/**
 * Replaces comments and trailing commas with spaces (same length, so offsets hold).
 * Returns the text itself when there is nothing to blank. Tolerates damaged text: an
 * unterminated string or comment simply ends the pass.
 */
export function blankJsoncExtras(text: string): string {
  const n = text.length;
  let out: string[] | undefined;
  let copied = 0;
  let pendingComma = -1;
  const blank = (start: number, end: number) => {
    out ??= [];
    out.push(text.slice(copied, start), ' '.repeat(end - start));
    copied = end;
  };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      pendingComma = -1;
      i = stringEnd(text, i);
    } else if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a /* * */) {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === 0x2c /* , */) {
      pendingComma = i;
      i++;
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
    } else {
      if ((c === 0x7d /* } */ || c === 0x5d) /* ] */ && pendingComma !== -1) blank(pendingComma, pendingComma + 1);
      pendingComma = -1;
      i++;
    }
  }
  if (!out) return text;
  out.push(text.slice(copied));
  return out.join('');
}

/** Index just past the closing quote of the string opening at `i` (or the text's end). */
function stringEnd(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    j = text.indexOf('"', j);
    if (j === -1) return text.length;
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c /* \ */) k--;
    if ((j - 1 - k) % 2 === 0) return j + 1;
    j++;
  }
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** Index just past the value starting at `i`. Only for text JSON.parse accepted. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return stringEnd(text, i);
  if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
    let depth = 0;
    const n = text.length;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 0x22) {
        i = stringEnd(text, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return n;
  }
  // number, true, false, null
  const n = text.length;
  while (i < n) {
    const d = text.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    i++;
  }
  return i;
}

/**
 * The value of the JSON string at [start, end) (quotes included) of text JSON.parse
 * accepted: without a backslash it is the text between the quotes (raw control characters
 * are not valid JSON), which spares a JSON.parse per key or value.
 */
export function jsonStringAt(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.indexOf('\\') === -1 ? raw : (JSON.parse(text.slice(start, end)) as string);
}

/**
 * The fast outline: walks the (valid) text on demand. Listing the root also lists the
 * members of each object-valued root member in the same pass (they are cached), so the
 * big maps of a lockfile (`packages`) are walked once, not once to skip and once to list.
 */
function scanOutline(text: string): JsonOutline {
  const rootStart = skipWhitespace(text, 0);
  const cache = new Map<number, JsonMember[]>();
  let closeOf: Map<number, number> | undefined;
  return {
    members(of) {
      const at = of === null ? rootStart : of.valueStart;
      const cached = cache.get(at);
      if (cached) return cached;
      const members = scanMembers(text, at, of === null ? cache : undefined, closeOf);
      cache.set(at, members);
      return members;
    },
    indexBrackets(limit) {
      const index = matchBrackets(text, limit);
      if (typeof index === 'number') return index;
      closeOf = index;
      return undefined;
    },
  };
}

/**
 * One pass over valid JSON text: where each `{` and `[` closes, or the offset of the first
 * one that opens level `limit + 1` (then nothing is indexed).
 */
function matchBrackets(text: string, limit: number): Map<number, number> | number {
  const closeOf = new Map<number, number>();
  const open = new Int32Array(limit);
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i) - 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth === limit) return i;
      open[depth++] = i;
    } else if ((c === 0x7d /* } */ || c === 0x5d) /* ] */ && depth > 0) {
      closeOf.set(open[--depth], i);
    }
  }
  return closeOf;
}

/**
 * Members of the object at `at` ([] if there is none). With `children`, object-valued
 * members are listed too (into `children`, keyed by where their value starts).
 */
function scanMembers(text: string, at: number, children: Map<number, JsonMember[]> | undefined, closeOf?: Map<number, number>): JsonMember[] {
  const members: JsonMember[] = [];
  if (at < 0 || text.charCodeAt(at) !== 0x7b) return members;
  let i = skipWhitespace(text, at + 1);
  while (text.charCodeAt(i) === 0x22) {
    const keyStart = i;
    const keyEnd = stringEnd(text, i);
    i = skipWhitespace(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a /* : */) break;
    const valueStart = skipWhitespace(text, i + 1);
    let end: number;
    if (children && text.charCodeAt(valueStart) === 0x7b) {
      const inner = scanMembers(text, valueStart, undefined, closeOf);
      children.set(valueStart, inner);
      end = skipWhitespace(text, inner.length ? inner[inner.length - 1].span.end : valueStart + 1) + 1;
    } else {
      const close = closeOf?.get(valueStart);
      end = close !== undefined ? close + 1 : valueEnd(text, valueStart);
    }
    members.push({
      key: jsonStringAt(text, keyStart, keyEnd),
      keySpan: { start: keyStart, end: keyEnd },
      span: { start: keyStart, end },
      valueStart,
    });
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== 0x2c) break;
    i = skipWhitespace(text, i + 1);
  }
  return members;
}

/**
 * The spans of the elements of the array at `at` (valid JSON only: text JSON.parse
 * accepted, as the fast outline reads), or [] when there is no array there.
 */
export function arrayElementSpans(text: string, at: number): Span[] {
  const out: Span[] = [];
  if (text.charCodeAt(at) !== 0x5b /* [ */) return out;
  let i = skipWhitespace(text, at + 1);
  while (i < text.length && text.charCodeAt(i) !== 0x5d /* ] */) {
    const end = valueEnd(text, i);
    out.push({ start: i, end });
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== 0x2c /* , */) break;
    i = skipWhitespace(text, i + 1);
  }
  return out;
}

/** The tolerant outline, over jsonc-parser's tree of a damaged file. */
function treeOutline(root: Node): JsonOutline {
  return {
    // A tree is only built for text within the depth limit (parseTolerantly checks first).
    indexBrackets: () => undefined,
    members(of) {
      const node = of === null ? root : of.node;
      if (!node || node.type !== 'object') return [];
      const members: JsonMember[] = [];
      for (const prop of node.children ?? []) {
        const keyNode = prop.children?.[0];
        if (!keyNode || typeof keyNode.value !== 'string') continue;
        const valueNode = prop.children?.[1];
        members.push({
          key: keyNode.value,
          keySpan: { start: keyNode.offset, end: keyNode.offset + keyNode.length },
          span: { start: prop.offset, end: prop.offset + prop.length },
          valueStart: valueNode ? valueNode.offset : -1,
          node: valueNode,
        });
      }
      return members;
    },
  };
}

/** Members by key; the last of duplicates wins, as in JSON.parse. */
export function membersByKey(members: JsonMember[]): Map<string, JsonMember> {
  const map = new Map<string, JsonMember>();
  for (const m of members) map.set(m.key, m);
  return map;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The string-valued entries of a `{ name: spec }` map (anything else is skipped). Returns
 * the object itself when it is clean (the common case), to spare a copy per entry.
 */
export function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  let clean = true;
  let any = false;
  for (const k in value) {
    any = true;
    if (typeof value[k] !== 'string') {
      clean = false;
      break;
    }
  }
  if (!any) return undefined;
  if (clean) return value as Record<string, string>;
  let out: Record<string, string> | undefined;
  for (const k in value) {
    const v = value[k];
    if (typeof v === 'string') (out ??= {})[k] = v;
  }
  return out;
}

/** The root of a JSON lockfile, opened and version-checked (shared by npm and bun). */
export interface OpenedJsonLockfile {
  lockfile: Lockfile;
  /** The parsed root object, or undefined when the text holds none (errors say why). */
  root?: Record<string, unknown>;
  /**
   * The root's members by key, listed on first call: a caller may index the brackets
   * first (JsonOutline.indexBrackets), and the listing then skips nested values at once.
   */
  rootMembers(): Map<string, JsonMember>;
  outline: JsonOutline;
}

/**
 * Parses a JSON lockfile's text and checks its `lockfileVersion`: a missing or unknown
 * version is a parse error at the version (what is readable is still read).
 */
export function openJsonLockfile(
  path: string,
  text: string,
  options: { format: Lockfile['format']; jsonc: boolean; knownVersions: number[]; fileName: string },
): OpenedJsonLockfile {
  const doc = parseJsonDocument(text, { jsonc: options.jsonc });
  const lockfile: Lockfile = { path, format: options.format, parsed: false, parseErrors: doc.errors, packages: [], importers: [] };
  const root = doc.value;
  if (!isRecord(root)) {
    if (root !== undefined) lockfile.parseErrors.push({ message: `A ${options.fileName} must hold a JSON object.`, span: { start: 0, end: text.length } });
    return { lockfile, rootMembers: () => new Map(), outline: doc.outline };
  }
  let listed: Map<string, JsonMember> | undefined;
  const rootMembers = () => (listed ??= membersByKey(doc.outline.members(null)));
  const version = root.lockfileVersion;
  if (typeof version === 'number' || typeof version === 'string') lockfile.lockfileVersion = version;
  if (version === undefined) {
    lockfile.parseErrors.push({ message: 'lockfileVersion is missing.', span: { start: 0, end: Math.min(1, text.length) } });
  } else if (!options.knownVersions.includes(version as number)) {
    const known = options.knownVersions;
    lockfile.parseErrors.push({
      message: `Unsupported lockfileVersion ${JSON.stringify(version)} (depwarden reads ${known.slice(0, -1).join(', ')} and ${known[known.length - 1]}).`,
      span: rootMembers().get('lockfileVersion')?.span ?? { start: 0, end: 0 },
    });
  }
  return { lockfile, root, rootMembers, outline: doc.outline };
}
