/**
 * A fast reader for the regular subset of YAML that lockfile writers produce (pnpm's
 * `pnpm-lock.yaml`), with a fall-back to the `yaml` library for anything outside it.
 *
 * Why hand-written: general YAML libraries build a full CST/AST with comments, tags and
 * source tokens, and cost about 60x `JSON.parse` on a pnpm lockfile (`yaml` takes ~120 ms
 * on vite's 500 kB file, against 1.8 ms for `JSON.parse` of the same data). pnpm writes a
 * small, regular subset: block maps indented by spaces, block sequences of scalars, plain
 * and quoted scalars, and one-line flow collections (`{integrity: sha512-...}`, `[x64]`).
 * Reading only that subset, line by line with `charCodeAt`, gets within a small factor of
 * `JSON.parse`, and records the offsets the engine needs for spans on the way.
 *
 * Anything outside the subset (block scalars, anchors, tags, multi-line flow or quoted
 * scalars, ...) makes the fast pass report the line; the file is then read again with the
 * `yaml` library. Only when that also fails is the file damaged, and the fast pass's
 * errors (with line numbers) and partial result are returned.
 */
import type { Node as YamlNode, Pair } from 'yaml';
import { yamlLibrary } from '../lazy-modules';
import type { ParseError } from '../model';
import { findDeepYamlNesting, MAX_YAML_DEPTH, withoutStackTraces } from '../yaml-limits';

/** Offsets of one map entry: the key (with its quotes) and the whole entry, from key to the end of its last line. */
export interface EntrySpan {
  keyStart: number;
  keyEnd: number;
  end: number;
}

export interface YamlDocument {
  /**
   * The document as JS values: maps are `Map`s (insertion ordered; the last of duplicate
   * keys wins), sequences arrays, scalars by YAML 1.2's core schema; null when empty.
   * Maps rather than objects because lockfile maps have thousands of distinct keys, which
   * makes property stores megamorphic and slow, and keys like `__proto__` harmless.
   */
  value: unknown;
  /** Entries of the root map. */
  rootSpans: Map<string, EntrySpan>;
  /** For each root entry whose value is a block map: spans of that map's entries. */
  childSpans: Map<string, Map<string, EntrySpan>>;
}

export interface YamlReadResult {
  documents: YamlDocument[];
  /** Empty when the text was read completely. Messages start with "line N: ". */
  errors: ParseError[];
  /** Which reader produced the documents. */
  reader: 'subset' | 'yaml';
  /** Subset reader: characters on the lines it could not read (nested lines skipped with them included). */
  unreadLength?: number;
}

/**
 * Reads YAML text: the fast subset reader first, the `yaml` library when the text uses
 * something outside the subset. Never throws.
 */
export function readYaml(text: string): YamlReadResult {
  const fast = readYamlSubset(text);
  if (fast.errors.length === 0) return fast;
  // The library is for a few constructs outside the subset, not for a file that is mostly
  // unreadable: on hostile text it costs 100 to 400 times JSON.parse (2 MB of stray ']'
  // lines: 35 s on a loaded machine), against ~60 times on real lockfiles. So the
  // unreadable part it would be retried for is bounded.
  if ((fast.unreadLength ?? 0) > MAX_UNREAD_FOR_LIBRARY) return fast;
  const full = readYamlWithLibrary(text);
  return full.errors.length === 0 ? full : fast;
}

const MAX_ERRORS = 50;

/** Beyond this many characters on lines outside the subset, the file is not retried with the library. */
const MAX_UNREAD_FOR_LIBRARY = 64 * 1024;

interface Frame {
  indent: number;
  /** Either a map or a sequence. */
  map: Map<string, unknown> | null;
  seq: unknown[] | null;
  /** 0 for the root collection, 1 for collections that are values of root entries, ... */
  depth: number;
  /** Spans of this map's entries, for depths 0 and 1. */
  spans: Map<string, EntrySpan> | null;
}

/** Thrown inside one line's parse; caught per line, so it never escapes. */
class LineError {
  constructor(
    readonly message: string,
    readonly at: number,
  ) {}
}

/** Reads the subset only; lines outside it become errors (and are skipped with their nested lines). */
export function readYamlSubset(text: string): YamlReadResult {
  return new SubsetReader(text).read();
}

class SubsetReader {
  private readonly text: string;
  private readonly documents: YamlDocument[] = [];
  private readonly errors: ParseError[] = [];
  private errorCount = 0;
  private unreadLength = 0;

  // State of the document being read.
  private doc: YamlDocument | null = null;
  private stack: Frame[] = [];
  private pending: { frame: Frame; key: string; indent: number; span: EntrySpan | null } | null = null;
  /** Spans still open at depth 0 and 1: closed when the next entry at that depth (or above) begins. */
  private open0: EntrySpan | null = null;
  private open1: EntrySpan | null = null;
  private lastContentEnd = 0;
  private line = 0;

  constructor(text: string) {
    this.text = text;
  }

  read(): YamlReadResult {
    const text = this.text;
    const len = text.length;
    let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    // After an error, lines indented deeper than the current collection belong to the bad
    // line (its nested block): skip them rather than report each one.
    let recovering = false;
    while (pos < len) {
      this.line++;
      let eol = text.indexOf('\n', pos);
      if (eol < 0) eol = len;
      let end = eol;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
      let i = pos;
      while (i < end && text.charCodeAt(i) === 32) i++;
      const c = i < end ? text.charCodeAt(i) : -1;
      if (c === -1 || c === 35 /* # */) {
        // blank or comment line
      } else if (i === pos && c === 45 /* - */ && isMarker(text, pos, end, 45)) {
        this.startDocument();
        recovering = false;
        if (end > pos + 3) this.fail(new LineError('content after a document marker is outside the supported subset', pos + 3), pos, end);
      } else if (i === pos && c === 46 /* . */ && isMarker(text, pos, end, 46)) {
        this.endDocument();
        recovering = false;
      } else if (c === 9 /* tab */) {
        this.fail(new LineError('tab in indentation', i), pos, end);
        recovering = true;
      } else if (recovering && this.stack.length > 0 && i - pos > this.stack[this.stack.length - 1].indent) {
        this.unreadLength += end - pos;
        this.lastContentEnd = end;
      } else {
        recovering = false;
        try {
          this.readLine(i - pos, i, end);
        } catch (e) {
          if (!(e instanceof LineError)) throw e;
          this.fail(e, pos, end);
          recovering = true;
        }
        this.lastContentEnd = end;
      }
      pos = eol + 1;
    }
    this.endDocument();
    return { documents: this.documents, errors: this.errors, reader: 'subset', unreadLength: this.unreadLength };
  }

  private fail(e: LineError, lineStart: number, lineEnd: number): void {
    this.errorCount++;
    this.unreadLength += lineEnd - lineStart;
    if (this.errors.length < MAX_ERRORS) {
      this.errors.push({ message: `line ${this.line}: ${e.message}`, span: { start: lineStart, end: lineEnd } });
    }
    // A pending key stays null: the bad line cannot be its value.
    this.pending = null;
  }

  private startDocument(): void {
    this.endDocument();
    this.doc = { value: null, rootSpans: new Map(), childSpans: new Map() };
    this.documents.push(this.doc);
  }

  private endDocument(): void {
    if (this.open1) this.open1.end = this.lastContentEnd;
    if (this.open0) this.open0.end = this.lastContentEnd;
    this.open0 = this.open1 = null;
    this.pending = null;
    this.stack = [];
    this.doc = null;
  }

  private readLine(indent: number, i: number, end: number): void {
    const text = this.text;
    const isItem = text.charCodeAt(i) === 45 /* - */ && (i + 1 === end || text.charCodeAt(i + 1) === 32);
    if (this.doc === null) this.startDocument();
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      if (indent > pending.indent || (indent === pending.indent && isItem)) {
        this.openCollection(indent, isItem, pending.frame.depth + 1, pending.frame.map, pending.key);
      }
    }
    const stack = this.stack;
    if (stack.length === 0) {
      this.openCollection(indent, isItem, 0, null, null);
    }
    let top = stack[stack.length - 1];
    // Pop finished collections; a sequence written at its parent key's indent ends at the next key.
    while (stack.length > 1 && (indent < top.indent || (indent === top.indent && top.seq !== null && !isItem))) {
      stack.pop();
      top = stack[stack.length - 1];
    }
    if (indent !== top.indent) throw new LineError(indent < top.indent ? 'unexpected indentation (less than the document root)' : 'unexpected indentation', i);

    if (top.seq !== null) {
      if (!isItem) throw new LineError("expected '- ' (a sequence item)", i);
      let j = i + 1;
      while (j < end && text.charCodeAt(j) === 32) j++;
      if (j === end || text.charCodeAt(j) === 35) throw new LineError('a sequence item with a nested block is outside the supported subset', i);
      top.seq.push(this.readInlineValue(j, end, true));
      return;
    }
    if (isItem) throw new LineError("expected 'key: value', found a sequence item", i);
    this.readMapEntry(top, indent, i, end);
  }

  /** Opens a block collection: the document's root (parent null) or the value of `key` in `parent`. */
  private openCollection(indent: number, isSeq: boolean, depth: number, parent: Map<string, unknown> | null, key: string | null): void {
    const frame: Frame = { indent, map: null, seq: null, depth, spans: null };
    const value = isSeq ? (frame.seq = []) : (frame.map = new Map());
    if (parent === null) this.doc!.value = value;
    else parent.set(key!, value);
    if (!isSeq) {
      if (depth === 0) frame.spans = this.doc!.rootSpans;
      else if (depth === 1 && key !== null) {
        frame.spans = new Map();
        this.doc!.childSpans.set(key, frame.spans);
      }
    }
    this.stack.push(frame);
  }

  private readMapEntry(frame: Frame, indent: number, i: number, end: number): void {
    const text = this.text;
    const c = text.charCodeAt(i);
    let key: string;
    let keyEnd: number; // after the key (and its closing quote)
    if (c === 39 /* ' */) {
      ({ value: key, end: keyEnd } = readSingleQuoted(text, i, end));
    } else if (c === 34 /* " */) {
      ({ value: key, end: keyEnd } = readDoubleQuoted(text, i, end));
    } else {
      // '-x', '?x' and ':x' start plain scalars; '? ' (an explicit key) does not.
      if (isIndicator(c) && !((c === 45 || c === 63 || c === 58) && i + 1 < end && text.charCodeAt(i + 1) !== 32)) {
        throw new LineError(`'${text[i]}' at the start of a key is outside the supported subset`, i);
      }
      let j = i;
      for (;;) {
        j = text.indexOf(':', j);
        if (j < 0 || j >= end) throw new LineError("expected ':' after a key", i);
        const n = j + 1 === end ? 32 : text.charCodeAt(j + 1);
        if (n === 32) break;
        if (n === 9) throw new LineError("a tab after ':' is outside the supported subset", j);
        j++;
      }
      keyEnd = j;
      while (keyEnd > i && text.charCodeAt(keyEnd - 1) === 32) keyEnd--;
      key = text.slice(i, keyEnd);
      if (key.indexOf(' #') >= 0) throw new LineError("expected ':' after a key (a comment interrupts it)", i);
    }
    let j = keyEnd;
    while (j < end && text.charCodeAt(j) === 32) j++;
    if (text.charCodeAt(j) !== 58 /* : */ || j >= end) throw new LineError("expected ':' after a key", j);
    j++;
    if (j < end && text.charCodeAt(j) !== 32) throw new LineError("expected a space after ':'", j);
    while (j < end && text.charCodeAt(j) === 32) j++;

    let span: EntrySpan | null = null;
    if (frame.depth <= 1) {
      span = { keyStart: i, keyEnd, end };
      if (frame.depth === 0) {
        if (this.open1) this.open1.end = this.lastContentEnd;
        if (this.open0) this.open0.end = this.lastContentEnd;
        this.open0 = span;
        this.open1 = null;
      } else {
        if (this.open1) this.open1.end = this.lastContentEnd;
        this.open1 = span;
      }
      frame.spans?.set(key, span);
    }
    if (j === end || text.charCodeAt(j) === 35 /* # */) {
      // The value is on the following, more indented lines (or null when there are none).
      frame.map!.set(key, null);
      this.pending = { frame, key, indent, span };
      return;
    }
    frame.map!.set(key, this.readInlineValue(j, end, false));
  }

  /** A value that ends on this line: a quoted or plain scalar, or a flow collection. */
  private readInlineValue(i: number, end: number, inSequence: boolean): unknown {
    const text = this.text;
    const c = text.charCodeAt(i);
    let read: Read<unknown>;
    if (c === 39) read = readSingleQuoted(text, i, end);
    else if (c === 34) read = readDoubleQuoted(text, i, end);
    else if (c === 123 /* { */ || c === 91 /* [ */) read = readFlow(text, i, end, 0);
    else {
      if (isIndicator(c) && !((c === 45 || c === 63 || c === 58) && i + 1 < end && text.charCodeAt(i + 1) !== 32)) {
        throw new LineError(`'${text[i]}' at the start of a value is outside the supported subset`, i);
      }
      // A plain scalar runs to the end of the line or to a comment; ': ' inside it is a nested
      // map. Searching the line's slice with indexOf (native) beats a loop over its characters.
      let stop = end;
      while (stop > i && text.charCodeAt(stop - 1) === 32) stop--;
      let value = text.slice(i, stop);
      const comment = value.indexOf(' #');
      if (comment >= 0) value = value.slice(0, comment).trimEnd();
      const colon = value.indexOf(': ');
      if (colon >= 0 || value.charCodeAt(value.length - 1) === 58) {
        throw new LineError(inSequence ? 'a map inside a sequence is outside the supported subset' : "unexpected ': ' inside a value", colon >= 0 ? i + colon : i + value.length - 1);
      }
      return resolvePlain(value);
    }
    // Only spaces and a comment may follow a quoted scalar or a flow collection.
    let j = read.end;
    while (j < end && text.charCodeAt(j) === 32) j++;
    if (j < end && !(text.charCodeAt(j) === 35 && text.charCodeAt(j - 1) === 32)) {
      throw new LineError('unexpected text after a value', j);
    }
    return read.value;
  }
}

function isMarker(text: string, pos: number, end: number, code: number): boolean {
  return (
    end - pos >= 3 &&
    text.charCodeAt(pos + 1) === code &&
    text.charCodeAt(pos + 2) === code &&
    (end === pos + 3 || text.charCodeAt(pos + 3) === 32)
  );
}

/** YAML's indicator characters, which cannot start a plain scalar. */
function isIndicator(c: number): boolean {
  switch (c) {
    case 45: // -
    case 63: // ?
    case 58: // :
    case 44: // ,
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
    case 35: // #
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case 39: // '
    case 34: // "
    case 37: // %
    case 64: // @
    case 96: // `
      return true;
  }
  return false;
}

/**
 * A quoted scalar or flow collection read from a line, and the offset just past it (where
 * the caller goes on reading). Returned rather than left in a module variable: the engine
 * holds no state between calls.
 */
interface Read<T> {
  value: T;
  end: number;
}

function readSingleQuoted(text: string, i: number, end: number): Read<string> {
  let j = i + 1;
  let out = '';
  let from = j;
  for (;;) {
    const q = text.indexOf("'", j);
    if (q < 0 || q >= end) throw new LineError('unterminated quoted string (multi-line strings are outside the supported subset)', i);
    if (q + 1 < end && text.charCodeAt(q + 1) === 39) {
      out += text.slice(from, q + 1);
      j = from = q + 2;
      continue;
    }
    return { value: out + text.slice(from, q), end: q + 1 };
  }
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};

function readDoubleQuoted(text: string, i: number, end: number): Read<string> {
  let out = '';
  let from = i + 1;
  for (let j = i + 1; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 34) return { value: out + text.slice(from, j), end: j + 1 };
    if (c !== 92 /* \ */) continue;
    out += text.slice(from, j);
    const e = text[j + 1];
    if (j + 1 >= end) break;
    const hexLength = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = text.slice(j + 2, j + 2 + hexLength);
      if (hex.length !== hexLength || !/^[0-9a-fA-F]+$/.test(hex)) throw new LineError('invalid escape in a quoted string', j);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new LineError('invalid escape in a quoted string', j);
      out += String.fromCodePoint(code);
      j += 1 + hexLength;
    } else {
      const s = ESCAPES[e];
      if (s === undefined) throw new LineError(`invalid escape '\\${e}' in a quoted string`, j);
      out += s;
      j++;
    }
    from = j + 1;
  }
  throw new LineError('unterminated quoted string (multi-line strings are outside the supported subset)', i);
}

const MAX_FLOW_DEPTH = 20;

/** A flow collection that opens and closes on this line: `{a: b, c: d}` or `[x, y]`. */
function readFlow(text: string, i: number, end: number, depth: number): Read<unknown> {
  if (depth > MAX_FLOW_DEPTH) throw new LineError('flow collections nested too deeply', i);
  const isMap = text.charCodeAt(i) === 123;
  const close = isMap ? 125 : 93;
  const map: Map<string, unknown> | null = isMap ? new Map() : null;
  const seq: unknown[] | null = isMap ? null : [];
  let j = i + 1;
  for (;;) {
    while (j < end && text.charCodeAt(j) === 32) j++;
    if (j >= end) throw new LineError('unterminated flow collection (multi-line flow collections are outside the supported subset)', i);
    if (text.charCodeAt(j) === close) return { value: isMap ? map : seq, end: j + 1 };
    if (isMap) {
      const key = readFlowScalar(text, j, end, true, depth);
      j = key.end;
      while (j < end && text.charCodeAt(j) === 32) j++;
      let value: unknown = null;
      if (text.charCodeAt(j) === 58 /* : */ && j < end) {
        j++;
        while (j < end && text.charCodeAt(j) === 32) j++;
        const n = text.charCodeAt(j);
        if (j < end && n !== 44 && n !== 125) {
          const read = readFlowScalar(text, j, end, false, depth);
          value = read.value;
          j = read.end;
        }
      }
      map!.set(String(key.value), value);
    } else {
      const read = readFlowScalar(text, j, end, false, depth);
      seq!.push(read.value);
      j = read.end;
    }
    while (j < end && text.charCodeAt(j) === 32) j++;
    const c = text.charCodeAt(j);
    if (j < end && c === 44 /* , */) j++;
    else if (!(j < end && c === close)) throw new LineError(j < end ? `unexpected '${text[j]}' in a flow collection` : 'unterminated flow collection', j);
  }
}

function readFlowScalar(text: string, j: number, end: number, isKey: boolean, depth: number): Read<unknown> {
  const c = text.charCodeAt(j);
  if (c === 39) return readSingleQuoted(text, j, end);
  if (c === 34) return readDoubleQuoted(text, j, end);
  if (c === 123 || c === 91) {
    if (isKey) throw new LineError('a collection as a key is outside the supported subset', j);
    return readFlow(text, j, end, depth + 1);
  }
  if (isIndicator(c) && !((c === 45 || c === 63 || c === 58) && j + 1 < end && !isFlowStop(text.charCodeAt(j + 1)))) {
    throw new LineError(`'${text[j]}' in a flow collection is outside the supported subset`, j);
  }
  // The scalar runs to a flow indicator (a sticky regex finds it natively; integrity hashes
  // are long); a key also ends at ':' followed by a space or an indicator.
  let k: number;
  if (isKey) {
    FLOW_KEY.lastIndex = j;
    for (;;) {
      FLOW_KEY.test(text);
      k = FLOW_KEY.lastIndex;
      if (k >= end || text.charCodeAt(k) !== 58 || k + 1 === end || isFlowStop(text.charCodeAt(k + 1))) break;
      FLOW_KEY.lastIndex = k + 1;
    }
  } else {
    FLOW_VALUE.lastIndex = j;
    FLOW_VALUE.test(text);
    k = FLOW_VALUE.lastIndex;
  }
  if (k > end) k = end;
  let stop = k;
  while (stop > j && text.charCodeAt(stop - 1) === 32) stop--;
  const s = text.slice(j, stop);
  if (s.indexOf(' #') >= 0) throw new LineError('a comment inside a flow collection', j + s.indexOf(' #'));
  if (!isKey && (s.indexOf(': ') >= 0 || (s.charCodeAt(s.length - 1) === 58 && k < end))) {
    throw new LineError("unexpected ':' in a flow value", j);
  }
  return { value: isKey ? s : resolvePlain(s), end: k };
}

const FLOW_VALUE = /[^,[\]{}\r\n]*/y;
const FLOW_KEY = /[^,[\]{}\r\n:]*/y;

function isFlowStop(c: number): boolean {
  return c === 32 || c === 44 || c === 93 || c === 125;
}

const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** Resolves a plain scalar by YAML 1.2's core schema (as the `yaml` library does by default). */
export function resolvePlain(s: string): unknown {
  const n = s.length;
  if (n === 0) return null;
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    // Versions such as 1.2.3 are by far the most common plain scalars: two dots is a string.
    const dot = s.indexOf('.');
    if (dot >= 0 && s.indexOf('.', dot + 1) >= 0) return s;
    if (INT.test(s)) return parseInt(s, 10);
    if (FLOAT.test(s)) return parseFloat(s);
    if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.slice(2), 16);
    if (/^0o[0-7]+$/.test(s)) return parseInt(s.slice(2), 8);
    if (/^[-+]?\.(?:inf|Inf|INF)$/.test(s)) return c === 45 ? -Infinity : Infinity;
    if (/^\.(?:nan|NaN|NAN)$/.test(s)) return NaN;
    return s;
  }
  if (n <= 5) {
    switch (s) {
      case 'null':
      case 'Null':
      case 'NULL':
      case '~':
        return null;
      case 'true':
      case 'True':
      case 'TRUE':
        return true;
      case 'false':
      case 'False':
      case 'FALSE':
        return false;
    }
  }
  return s;
}

/** Reads YAML with the `yaml` library (the full language), producing the same shape as the subset reader. */
export function readYamlWithLibrary(text: string): YamlReadResult {
  const errors: ParseError[] = [];
  const documents: YamlDocument[] = [];
  const deep = findDeepYamlNesting(text);
  if (deep !== undefined) {
    // The library (and stringKeys below) recurse per level: see yaml-limits.ts.
    errors.push({ message: `line ${lineOf(text, deep)}: nested deeper than ${MAX_YAML_DEPTH} levels`, span: { start: deep, end: deep + 1 } });
    return { documents, errors, reader: 'yaml' };
  }
  try {
    const docs = withoutStackTraces(() => yamlLibrary().parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false }));
    const list = Array.isArray(docs) ? docs : [];
    for (const d of list) {
      for (const e of d.errors) {
        if (errors.length >= MAX_ERRORS) break;
        const start = e.pos[0];
        errors.push({ message: `line ${lineOf(text, start)}: ${firstLine(e.message)}`, span: { start, end: Math.max(start, e.pos[1]) } });
      }
      const doc: YamlDocument = { value: stringKeys(d.toJS({ maxAliasCount: 100, mapAsMap: true })), rootSpans: new Map(), childSpans: new Map() };
      if (yamlLibrary().isMap(d.contents)) {
        for (const pair of d.contents.items) {
          const key = keyOf(pair);
          if (key === null) continue;
          doc.rootSpans.set(key, spanOfPair(text, pair));
          if (yamlLibrary().isMap(pair.value)) {
            const spans = new Map<string, EntrySpan>();
            for (const child of pair.value.items) {
              const k = keyOf(child);
              if (k !== null) spans.set(k, spanOfPair(text, child));
            }
            doc.childSpans.set(key, spans);
          }
        }
      }
      documents.push(doc);
    }
  } catch (e) {
    errors.push({ message: `line 1: ${(e as Error).message}`, span: { start: 0, end: 0 } });
  }
  return { documents, errors, reader: 'yaml' };
}

/**
 * The subset reader's maps have string keys; make the library's match (`1: x` has the key
 * "1"). Aliases can make the value a graph, even a cyclic one: each collection is visited once.
 */
function stringKeys(value: unknown, seen = new Set<unknown>()): unknown {
  if (value instanceof Map) {
    if (seen.has(value)) return value;
    seen.add(value);
    let allStrings = true;
    for (const [k, v] of value) {
      if (typeof k !== 'string') allStrings = false;
      const w = stringKeys(v, seen);
      if (w !== v) value.set(k, w);
    }
    if (allStrings) return value;
    const out = new Map<string, unknown>();
    for (const [k, v] of value) out.set(typeof k === 'string' ? k : String(k), v);
    return out;
  }
  if (Array.isArray(value)) {
    if (seen.has(value)) return value;
    seen.add(value);
    for (let i = 0; i < value.length; i++) value[i] = stringKeys(value[i], seen);
  }
  return value;
}

function keyOf(pair: Pair<unknown, unknown>): string | null {
  const key = pair.key;
  if (yamlLibrary().isScalar(key)) return String(key.value);
  return null;
}

function spanOfPair(text: string, pair: Pair<unknown, unknown>): EntrySpan {
  const key = pair.key as YamlNode;
  const keyStart = key.range?.[0] ?? 0;
  const keyEnd = key.range?.[1] ?? keyStart;
  let end = (pair.value as YamlNode | null)?.range?.[1] ?? keyEnd;
  while (end > keyEnd && isSpace(text.charCodeAt(end - 1))) end--;
  return { keyStart, keyEnd, end };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

/** 1-based line number of an offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
