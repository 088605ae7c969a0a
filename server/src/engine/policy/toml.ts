/**
 * A small TOML reader for bunfig.toml (no TOML library is available). It reads what a
 * config file holds: `[table]` and `[[array]]` headers, `key = value` with bare, quoted and
 * dotted keys, strings (basic, literal, multi-line), numbers, booleans, dates (kept as
 * text), arrays (across lines) and inline tables. Anything else is an error at its offset,
 * as bun would refuse the file.
 *
 * One pass with a cursor over the text and no backtracking regex: the file comes with the
 * repository and may be hostile (a long line, an array that never closes).
 */
import type { ParseError } from '../model';

export function readToml(text: string): { settings: Record<string, unknown>; errors: ParseError[] } {
  const reader = new TomlReader(text);
  try {
    return { settings: reader.document(), errors: [] };
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    return { settings: {}, errors: [{ message: `line ${lineOf(text, e.offset)}: ${e.message}`, span: { start: e.offset, end: Math.min(text.length, e.offset + 1) } }] };
  }
}

class TomlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type Table = Record<string, unknown>;

/** Tables that `[header]` or `key = …` defined, so a second definition is an error, as in TOML. */
const isTable = (v: unknown): v is Table => !!v && typeof v === 'object' && !Array.isArray(v);

const MAX_DEPTH = 64;
const BARE_KEY = /[A-Za-z0-9_-]/;
const VALUE_CHAR = /[A-Za-z0-9_+\-.:]/;

class TomlReader {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  document(): Table {
    const root: Table = Object.create(null);
    let current = root;
    for (;;) {
      this.skipBlankLines();
      if (this.pos >= this.text.length) return root;
      if (this.text.startsWith('[[', this.pos)) {
        this.pos += 2;
        const path = this.key(']');
        this.expect(']]');
        const parent = this.tableAt(root, path.slice(0, -1));
        const last = path[path.length - 1];
        const list = Object.hasOwn(parent, last) ? parent[last] : (parent[last] = []);
        if (!Array.isArray(list)) throw new TomlError(`${path.join('.')} is not an array of tables`, this.pos);
        list.push((current = Object.create(null) as Table));
      } else if (this.text[this.pos] === '[') {
        this.pos++;
        current = this.tableAt(root, this.key(']'));
        this.expect(']');
      } else {
        this.keyValue(current);
      }
      this.endOfLine();
    }
  }

  private keyValue(table: Table): void {
    const start = this.pos;
    const path = this.key('=');
    this.expect('=');
    this.spaces();
    const value = this.value();
    const parent = this.tableAt(table, path.slice(0, -1));
    const last = path[path.length - 1];
    if (Object.hasOwn(parent, last)) throw new TomlError(`${path.join('.')} is defined twice`, start);
    parent[last] = value;
  }

  /** A dotted key, up to (not including) `end`. */
  private key(end: string): string[] {
    const parts: string[] = [];
    for (;;) {
      this.spaces();
      const c = this.text[this.pos];
      if (c === '"' || c === "'") parts.push(this.singleLineString(c));
      else {
        const from = this.pos;
        while (this.pos < this.text.length && BARE_KEY.test(this.text[this.pos])) this.pos++;
        if (from === this.pos) throw new TomlError(`expected a key${c === undefined || c === '\n' ? '' : `, found "${c}"`}`, this.pos);
        parts.push(this.text.slice(from, this.pos));
      }
      this.spaces();
      if (this.text[this.pos] !== '.') break;
      this.pos++;
    }
    if (!this.text.startsWith(end, this.pos)) throw new TomlError(`expected "${end}" after the key`, this.pos);
    return parts;
  }

  private tableAt(root: Table, path: string[]): Table {
    let at = root;
    for (const key of path) {
      let next = Object.hasOwn(at, key) ? at[key] : (at[key] = Object.create(null) as Table);
      // `[[a]]` then `[a.b]`: the table is the array's last element.
      if (Array.isArray(next)) next = next[next.length - 1];
      if (!isTable(next)) throw new TomlError(`${key} is not a table`, this.pos);
      at = next;
    }
    return at;
  }

  private value(): unknown {
    const c = this.text[this.pos];
    if (this.text.startsWith('"""', this.pos) || this.text.startsWith("'''", this.pos)) return this.multiLineString();
    if (c === '"' || c === "'") return this.singleLineString(c);
    if (c === '[') return this.array();
    if (c === '{') return this.inlineTable();
    const from = this.pos;
    while (this.pos < this.text.length && VALUE_CHAR.test(this.text[this.pos])) this.pos++;
    const word = this.text.slice(from, this.pos);
    if (word === 'true') return true;
    if (word === 'false') return false;
    const n = numberOf(word);
    if (n !== undefined) return n;
    // Dates and times stay text: nothing in bunfig.toml reads them.
    if (/^\d{4}-\d{2}-\d{2}/.test(word) || /^\d{2}:\d{2}/.test(word)) return word;
    throw new TomlError(word ? `"${word}" is not a TOML value` : 'expected a value', from);
  }

  private array(): unknown[] {
    this.enter();
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      this.skipBlankLines();
      if (this.text[this.pos] === ']') break;
      if (this.pos >= this.text.length) throw new TomlError('the array is not closed', this.pos);
      out.push(this.value());
      this.skipBlankLines();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') throw new TomlError('expected "," or "]" in the array', this.pos);
    }
    this.pos++;
    this.depth--;
    return out;
  }

  /**
   * Arrays and inline tables recurse once per level: a hostile bunfig.toml of `[[[[...`
   * overflowed the stack. No real config nests deeper than a few levels.
   */
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new TomlError(`nested deeper than ${MAX_DEPTH} levels`, this.pos);
  }

  private inlineTable(): Table {
    this.enter();
    this.pos++;
    const table: Table = Object.create(null);
    this.spaces();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return table;
    }
    for (;;) {
      this.keyValue(table);
      this.spaces();
      const c = this.text[this.pos++];
      if (c === '}') {
        this.depth--;
        return table;
      }
      if (c !== ',') throw new TomlError('expected "," or "}" in the inline table', this.pos - 1);
      this.spaces();
    }
  }

  private singleLineString(quote: string): string {
    const from = this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === quote) return out;
      if (c === '\n') break;
      if (c === '\\' && quote === '"') out += this.escape();
      else out += c;
    }
    throw new TomlError('the string is not closed on its line', from);
  }

  private multiLineString(): string {
    const delimiter = this.text.slice(this.pos, this.pos + 3);
    const from = this.pos;
    const close = this.text.indexOf(delimiter, this.pos + 3);
    if (close < 0) throw new TomlError('the multi-line string is not closed', from);
    this.pos = close + 3;
    // A line break right after the opening delimiter is not part of the string.
    const body = this.text.slice(from + 3, close).replace(/^\r?\n/, '');
    return delimiter === '"""' ? body.replace(/\\(.)/g, (_, ch: string) => ESCAPES[ch] ?? ch) : body;
  }

  private escape(): string {
    const c = this.text[this.pos++];
    if (c === 'u' || c === 'U') {
      const len = c === 'u' ? 4 : 8;
      const hex = this.text.slice(this.pos, this.pos + len);
      const code = /^[0-9A-Fa-f]+$/.test(hex) && hex.length === len ? Number.parseInt(hex, 16) : NaN;
      if (!(code <= 0x10ffff)) throw new TomlError(`bad escape \\${c}${hex}`, this.pos - 2);
      this.pos += len;
      return String.fromCodePoint(code);
    }
    if (c !== undefined && ESCAPES[c] !== undefined) return ESCAPES[c];
    throw new TomlError(`bad escape \\${c ?? ''}`, this.pos - 2);
  }

  private spaces(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }

  /** Blank lines, comments and line breaks (inside arrays too). */
  private skipBlankLines(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.pos++;
      else if (c === '#') this.skipComment();
      else return;
    }
  }

  private skipComment(): void {
    const eol = this.text.indexOf('\n', this.pos);
    this.pos = eol < 0 ? this.text.length : eol;
  }

  /** After a header or a key = value: only a comment may follow on the line. */
  private endOfLine(): void {
    this.spaces();
    if (this.text[this.pos] === '#') this.skipComment();
    if (this.text[this.pos] === '\r') this.pos++;
    if (this.pos < this.text.length && this.text[this.pos] !== '\n') throw new TomlError(`unexpected "${this.text[this.pos]}" after the value`, this.pos);
  }

  private expect(s: string): void {
    if (!this.text.startsWith(s, this.pos)) throw new TomlError(`expected "${s}"`, this.pos);
    this.pos += s.length;
  }
}

const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

/** TOML integers (decimal, hex, octal, binary, `_` separators) and floats (inf, nan). */
function numberOf(word: string): number | undefined {
  if (/^[+-]?(inf|nan)$/.test(word)) return word.endsWith('nan') ? NaN : word.startsWith('-') ? -Infinity : Infinity;
  if (/^0x[0-9A-Fa-f_]+$|^0o[0-7_]+$|^0b[01_]+$/.test(word)) return Number(word.replace(/_/g, ''));
  if (/^[+-]?\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d[\d_]*)?$/.test(word)) return Number(word.replace(/_/g, ''));
  return undefined;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
