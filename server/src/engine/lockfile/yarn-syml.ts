import { yarnParsersLibrary } from '../lazy-modules';
import { findDeepYamlNesting, withoutStackTraces } from '../yaml-limits';
import type { ParseError, Span } from '../model';

/*
 * A line scanner for the subset of "syml" that yarn writes into yarn.lock.
 *
 * Why hand-written: both yarn classic and yarn berry write lockfiles as a small, regular
 * subset (top-level keys at column 0, two-space indented fields, one value per line,
 * JSON-quoted or bare strings, nested maps). The general parsers (@yarnpkg/lockfile's
 * tokenizer, @yarnpkg/parsers' PEG grammar and js-yaml) cost 8x to 60x the time of
 * JSON.parse on the same data and do not give source offsets. Scanning lines with
 * indexOf/charCodeAt and recording offsets on the way gives exact spans at close to
 * JSON.parse speed. Anything outside the subset (flow collections, block scalars,
 * anchors, single quotes, tabs, `? ` keys...) is reported as an error, and the caller
 * then retries with @yarnpkg/parsers' parseSyml (see parseSymlFallback).
 */

export type SymlValue = string | SymlMap;
export interface SymlMap {
  [key: string]: SymlValue;
}

/** One top-level entry of a yarn.lock. */
export interface SymlBlock {
  /** The key split into its descriptors (quotes removed), e.g. ["a@^1", "a@~1.2"]. */
  specifiers: string[];
  /** The key as written, without the trailing ':' (quotes included). */
  keySpan: Span;
  /** From the start of the key line to the end of the block's last non-blank line. */
  span: Span;
  /** 1-based line number of the key line (for messages). */
  line: number;
  fields: SymlMap;
}

export interface SymlScan {
  blocks: SymlBlock[];
  /** Lines that could not be read; the blocks they were in are left out. */
  errors: ParseError[];
  /** Set when the text does not end with a newline: yarn always writes one, so the file was most likely cut off. */
  truncated?: ParseError;
}

export type SymlStyle = 'classic' | 'berry';

const MAX_ERRORS = 50;

/** Scans a yarn.lock. Never throws. `classic` fields are `key value`, `berry` fields `key: value`. */
export function scanSyml(text: string, style: SymlStyle): SymlScan {
  return new SymlScanner(text, style).run();
}

interface Level {
  map: SymlMap;
  /** Indentation of the map's entries; -1 until its first entry is seen. */
  indent: number;
  /** Indentation of the key that opened the map. */
  parentIndent: number;
}

class SymlScanner {
  private blocks: SymlBlock[] = [];
  private errors: ParseError[] = [];
  /** Position of the next backslash at or after the current string (Infinity if none). */
  private nextBackslash = -1;
  /** Position of the next '#' preceded by a space (Infinity if none). */
  private nextComment = -1;
  // Per-line results of readKey / readValue.
  private tokenEnd = 0;
  private errorMessage = '';

  constructor(
    private readonly text: string,
    private readonly style: SymlStyle,
  ) {}

  run(): SymlScan {
    const text = this.text;
    const len = text.length;
    const classic = this.style === 'classic';
    let pos = 0;
    let lineNo = 0;
    let block: SymlBlock | undefined;
    let blockEnd = 0;
    let stack: Level[] = [];
    let skipping = false; // inside a block that had an error: skip to the next top-level key

    const closeBlock = () => {
      if (block && !skipping) {
        block.span.end = blockEnd;
        this.blocks.push(block);
      }
      block = undefined;
    };

    while (pos < len) {
      lineNo++;
      let eol = text.indexOf('\n', pos);
      if (eol < 0) eol = len;
      const next = eol + 1;
      let end = eol;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--; // \r\n
      let i = pos;
      while (i < end && text.charCodeAt(i) === 32) i++;
      if (i < end && text.charCodeAt(i) === 9 /* tab */) {
        if (text.slice(i, end).trim() !== '') {
          this.fail(lineNo, pos, end, 'tab in indentation');
          if (block) skipping = true;
        }
        pos = next;
        continue;
      }
      if (i === end || text.charCodeAt(i) === 35 /* # */) {
        pos = next; // blank or comment line
        continue;
      }
      const indent = i - pos;
      if (indent === 0) {
        closeBlock();
        skipping = false;
        // Trailing spaces after the ':' are tolerated.
        let keyEnd = end;
        while (keyEnd > i && text.charCodeAt(keyEnd - 1) === 32) keyEnd--;
        if (text.charCodeAt(keyEnd - 1) !== 58 /* : */) {
          this.fail(lineNo, pos, end, "expected ':' after the entry's key");
          skipping = true;
          pos = next;
          continue;
        }
        keyEnd--;
        const specifiers = this.readSpecifiers(i, keyEnd);
        if (!specifiers) {
          this.fail(lineNo, pos, end, this.errorMessage);
          skipping = true;
          pos = next;
          continue;
        }
        const fields: SymlMap = {};
        block = { specifiers, keySpan: { start: i, end: keyEnd }, span: { start: pos, end: end }, line: lineNo, fields };
        blockEnd = end;
        stack = [{ map: fields, indent: -1, parentIndent: 0 }];
        pos = next;
        continue;
      }
      if (skipping) {
        pos = next;
        continue;
      }
      if (!block) {
        this.fail(lineNo, pos, end, 'indented line outside of an entry');
        skipping = true;
        pos = next;
        continue;
      }
      // Find the map this line belongs to.
      let level = stack[stack.length - 1];
      let bad = false;
      for (;;) {
        if (level.indent === -1) {
          if (indent > level.parentIndent) {
            level.indent = indent;
            break;
          }
        } else if (indent === level.indent) break;
        else if (indent > level.indent) {
          bad = true;
          break;
        }
        stack.pop();
        if (stack.length === 0) {
          bad = true;
          break;
        }
        level = stack[stack.length - 1];
      }
      if (bad) {
        this.fail(lineNo, pos, end, 'unexpected indentation');
        skipping = true;
        pos = next;
        continue;
      }
      // key
      const key = this.readKey(i, end, classic);
      if (key === undefined) {
        this.fail(lineNo, pos, end, this.errorMessage);
        skipping = true;
        pos = next;
        continue;
      }
      const j = this.tokenEnd;
      if (j === end) {
        // `key:` opens a nested map
        const map: SymlMap = {};
        setField(level.map, key, map);
        stack.push({ map, indent: -1, parentIndent: indent });
      } else {
        const value = this.readValue(j, end, classic);
        if (value === undefined) {
          this.fail(lineNo, pos, end, this.errorMessage);
          skipping = true;
          pos = next;
          continue;
        }
        setField(level.map, key, value);
      }
      blockEnd = end;
      pos = next;
    }
    closeBlock();
    const scan: SymlScan = { blocks: this.blocks, errors: this.errors };
    if (len > 0 && text.charCodeAt(len - 1) !== 10) {
      scan.truncated = {
        message: `line ${lineNo}: unexpected end of file (yarn ends the file with a newline; it looks truncated)`,
        span: { start: len, end: len },
      };
    }
    return scan;
  }

  private fail(lineNo: number, start: number, end: number, message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ message: `line ${lineNo}: ${message}`, span: { start, end } });
  }

  /**
   * Reads a field key starting at i; on success tokenEnd is where the value starts
   * (or `end` when the key opens a nested map).
   */
  private readKey(i: number, end: number, classic: boolean): string | undefined {
    const text = this.text;
    let key: string;
    let j: number;
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const s = this.readQuoted(i, end);
      if (s === undefined) return undefined;
      key = s;
      j = this.tokenEnd;
    } else {
      if (!classic && isIndicator(c)) {
        this.errorMessage = `unsupported syntax '${text[i]}'`;
        return undefined;
      }
      j = i;
      if (classic) {
        while (j < end && text.charCodeAt(j) !== 32) j++;
        if (text.charCodeAt(j - 1) === 58) {
          // `key:` opens a map; `key: value` is read as `key value`
          key = fieldName(text, i, j - 1);
          if (j === end || onlySpaces(text, j, end)) {
            this.tokenEnd = end;
            return key;
          }
          while (j < end && text.charCodeAt(j) === 32) j++;
          this.tokenEnd = j;
          return key;
        }
      } else {
        // Bounded to the line: a damaged file must not make every line scan to the end.
        while (j < end && !(text.charCodeAt(j) === 58 && (j + 1 === end || text.charCodeAt(j + 1) === 32))) j++;
        if (j === end) {
          this.errorMessage = "expected ':'";
          return undefined;
        }
      }
      key = fieldName(text, i, j);
    }
    if (classic) {
      if (j === end) {
        this.errorMessage = 'expected a value';
        return undefined;
      }
      const d = text.charCodeAt(j);
      if (d === 58 /* : */) {
        if (j + 1 === end || onlySpaces(text, j + 1, end)) {
          this.tokenEnd = end;
          return key;
        }
        j++;
      }
      if (text.charCodeAt(j) !== 32) {
        this.errorMessage = 'expected a space after the key';
        return undefined;
      }
    } else {
      if (text.charCodeAt(j) !== 58) {
        this.errorMessage = "expected ':'";
        return undefined;
      }
      j++;
      if (j === end || onlySpaces(text, j, end)) {
        this.tokenEnd = end;
        return key;
      }
      if (text.charCodeAt(j) !== 32) {
        this.errorMessage = "expected a space after ':'";
        return undefined;
      }
    }
    while (j < end && text.charCodeAt(j) === 32) j++;
    this.tokenEnd = j;
    return key;
  }

  /** Reads the value from i (a non-space) to the end of the line. */
  private readValue(i: number, end: number, classic: boolean): string | undefined {
    const text = this.text;
    const c = text.charCodeAt(i);
    if (c === 34) {
      const s = this.readQuoted(i, end);
      if (s === undefined) return undefined;
      if (this.tokenEnd !== end && !onlySpaces(text, this.tokenEnd, end)) {
        this.errorMessage = 'unexpected text after the closing quote';
        return undefined;
      }
      return s;
    }
    if (!classic && (isIndicator(c) || (c === 45 /* - */ && text.charCodeAt(i + 1) === 32))) {
      this.errorMessage = `unsupported syntax '${text[i]}'`;
      return undefined;
    }
    let e = end;
    while (text.charCodeAt(e - 1) === 32) e--;
    if (!classic && this.hasComment(i, e)) {
      this.errorMessage = 'unsupported syntax (comment after a value)';
      return undefined;
    }
    return text.slice(i, e);
  }

  /** Whether ` #` (a YAML comment) occurs in [i, end). The next occurrence is cached: searching per line would be quadratic. */
  private hasComment(i: number, end: number): boolean {
    if (this.nextComment !== Infinity && this.nextComment < i) {
      const h = this.text.indexOf(' #', i - 1);
      this.nextComment = h < 0 ? Infinity : h + 1;
    }
    return this.nextComment < end;
  }

  /** Reads a JSON-quoted string at i (the opening quote); tokenEnd is set after the closing quote. */
  private readQuoted(i: number, end: number): string | undefined {
    const text = this.text;
    let q = text.indexOf('"', i + 1);
    if (q < 0 || q >= end) {
      this.errorMessage = 'unterminated string';
      return undefined;
    }
    if (this.nextBackslash !== Infinity && this.nextBackslash <= i) {
      const b = text.indexOf('\\', i + 1);
      this.nextBackslash = b < 0 ? Infinity : b;
    }
    if (this.nextBackslash > q) {
      this.tokenEnd = q + 1;
      return text.slice(i + 1, q);
    }
    // Slow path: escapes inside the string.
    q = i + 1;
    while (q < end) {
      const c = text.charCodeAt(q);
      if (c === 92) q += 2;
      else if (c === 34) break;
      else q++;
    }
    if (q >= end) {
      this.errorMessage = 'unterminated string';
      return undefined;
    }
    try {
      const s = JSON.parse(text.slice(i, q + 1)) as string;
      this.tokenEnd = q + 1;
      return s;
    } catch {
      this.errorMessage = 'invalid escape in string';
      return undefined;
    }
  }

  /** Splits a key `"a@^1", a@~1.2` (or berry's `"a@npm:^1, a@npm:^2"`) into descriptors. */
  private readSpecifiers(i: number, end: number): string[] | undefined {
    const text = this.text;
    const out: string[] = [];
    while (i < end) {
      let item: string;
      if (text.charCodeAt(i) === 34) {
        const s = this.readQuoted(i, end);
        if (s === undefined) return undefined;
        item = s;
        i = this.tokenEnd;
      } else {
        if (isIndicator(text.charCodeAt(i)) && text.charCodeAt(i) !== 64 /* @ */) {
          this.errorMessage = `unsupported syntax '${text[i]}'`;
          return undefined;
        }
        let j = text.indexOf(',', i);
        if (j < 0 || j > end) j = end;
        item = text.slice(i, j).trim();
        i = j;
      }
      // Berry quotes the whole list as one string; classic quotes each item.
      if (item.indexOf(',') >= 0) {
        for (const part of item.split(',')) {
          const t = part.trim();
          if (t) out.push(t);
        }
      } else if (item) out.push(item);
      while (i < end && text.charCodeAt(i) === 32) i++;
      if (i < end) {
        if (text.charCodeAt(i) !== 44 /* , */) {
          this.errorMessage = "expected ',' or ':' after a key";
          return undefined;
        }
        i++;
        while (i < end && text.charCodeAt(i) === 32) i++;
      }
    }
    if (out.length === 0) {
      this.errorMessage = 'empty key';
      return undefined;
    }
    return out;
  }
}

/**
 * The fields yarn writes in every entry, as the program's own strings. A key sliced from
 * the text is a new string that each map assignment has to look up among V8's internalized
 * strings; the field names repeat in every entry of the file (tens of thousands of times),
 * so they are recognised here and the literal is used instead. Other keys are sliced.
 */
const FIELD_NAMES = ['version', 'resolved', 'integrity', 'dependencies', 'optionalDependencies', 'peerDependencies', 'resolution', 'checksum', 'languageName', 'linkType', 'bin', 'conditions', 'dependenciesMeta', 'peerDependenciesMeta'];
const FIELDS_BY_LENGTH: string[][] = [];
for (const f of FIELD_NAMES) (FIELDS_BY_LENGTH[f.length] ??= []).push(f);

function fieldName(text: string, start: number, end: number): string {
  const candidates = FIELDS_BY_LENGTH[end - start];
  if (candidates) for (const f of candidates) if (text.startsWith(f, start)) return f;
  return text.slice(start, end);
}

/** `__proto__` as a plain assignment would replace the object's prototype instead of adding a key. */
function setField(map: SymlMap, key: string, value: SymlValue): void {
  if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

/** YAML indicators that start syntax outside the subset yarn writes. */
function isIndicator(c: number): boolean {
  // { } [ ] & * ! | > ' % @ ` ? \t
  return c === 123 || c === 125 || c === 91 || c === 93 || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === 39 || c === 37 || c === 64 || c === 96 || c === 63 || c === 9;
}

function onlySpaces(text: string, i: number, end: number): boolean {
  for (; i < end; i++) if (text.charCodeAt(i) !== 32) return false;
  return true;
}

/**
 * Parses the whole text with @yarnpkg/parsers (the full syml/YAML grammar) for files the
 * scanner could not read. Returns undefined when that fails too. Spans come from the
 * top-level key lines (found by a plain line scan); entries whose key line cannot be
 * found get an empty span at 0.
 */
export function parseSymlFallback(text: string): SymlBlock[] | undefined {
  // The full grammar recurses per level (see yaml-limits.ts): a deeper file stays unread.
  if (findDeepYamlNesting(text) !== undefined) return undefined;
  let data: unknown;
  try {
    data = withoutStackTraces(() => yarnParsersLibrary().parseSyml(text));
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const keyLines = findKeyLines(text);
  // The classic grammar splits `"a@1", a@^1:` into several keys sharing one object.
  const groups = new Map<object, string[]>();
  const blocks: SymlBlock[] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return undefined; // a top-level scalar or list is not a lockfile entry
    }
    const group = groups.get(value);
    if (group) {
      group.push(key);
      continue;
    }
    const specifiers = key.split(',').map((s) => s.trim()).filter(Boolean);
    groups.set(value, specifiers);
    const where = keyLines.get(specifiers[0]);
    blocks.push({
      specifiers,
      keySpan: where?.keySpan ?? { start: 0, end: 0 },
      span: where?.span ?? { start: 0, end: 0 },
      line: where?.line ?? 0,
      fields: value as SymlMap,
    });
  }
  return blocks;
}

/** First descriptor of every top-level key line -> where the entry is. */
function findKeyLines(text: string): Map<string, { keySpan: Span; span: Span; line: number }> {
  const out = new Map<string, { keySpan: Span; span: Span; line: number }>();
  let prev: { span: Span } | undefined;
  let lastContentEnd = 0;
  let line = 0;
  let pos = 0;
  while (pos < text.length) {
    line++;
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    let end = eol;
    if (text.charCodeAt(end - 1) === 13) end--;
    const c = text.charCodeAt(pos);
    if (end > pos && c !== 32 && c !== 9 && c !== 35) {
      if (prev) prev.span.end = lastContentEnd;
      const lineText = text.slice(pos, end).replace(/:\s*$/, '');
      const first = lineText.split(',')[0].trim().replace(/^"|"$/g, '');
      const entry = { keySpan: { start: pos, end: pos + lineText.length }, span: { start: pos, end }, line };
      if (!out.has(first)) out.set(first, entry);
      prev = entry;
    }
    if (end > pos && text.slice(pos, end).trim() !== '' && c !== 35) lastContentEnd = end;
    pos = eol + 1;
  }
  if (prev) prev.span.end = lastContentEnd;
  return out;
}
