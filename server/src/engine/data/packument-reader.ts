/**
 * Decodes a packument's JSON bytes into the reduced Packument the rules read, without
 * building the rest (issue #13 item 4, #15 item 2).
 *
 * A full packument is large (typescript 10 MB, next 21 MB; the registry ignores the
 * abbreviated-metadata Accept header) and mostly readmes, descriptions, file lists and
 * fields no rule reads. JSON.parse of the whole text built all of it: with 16 lookups in
 * flight that was over a gigabyte of short-lived objects, and the heap never shrank back
 * (the language server settled at 850 MB after a cold lookup of sentry). Here the bytes are
 * scanned once: skipped values are stepped over, keys are matched against the fields read
 * byte by byte (no string per key), and only kept values are decoded.
 *
 * Decoding was most of the language server's work during a cold lookup (sentry: 478 MB of
 * packuments, ~400,000 versions; 15 s of its main thread as JSON.parse of each kept field
 * and reducePackument of the parsed version). Consecutive versions mostly repeat their
 * repository, scripts, dependencies and publisher to the byte: a version's field is decoded
 * and reduced (packument-reduce.ts VersionReducer) once per distinct text in the packument,
 * and `dist` is read field by field like a version.
 *
 * The bytes are the registry's (untrusted): the scan is iterative (no recursion on
 * nesting), linear, and anything that is not a well-formed top-level object, truncated
 * input included, is malformed (undefined). Values it skips (and the skipped parts of
 * `dist`) are checked only for their bracketing, not fully validated: a registry answer
 * broken inside a readme still yields the fields around it. Kept values go through
 * JSON.parse, which decodes escapes as always. Records keyed by the registry's names have
 * null prototypes, so a version named "__proto__" stays a version.
 */
import type { Packument, VersionFields } from './packument';
import { binOfDirectories, buildReduced, gitHeadOf, hasBin, reduceVersions, VersionReducer, type ReducedVersions, type RepositoryFacts } from './packument-reduce';
import { isStrongIntegrity } from './packument-store';

/** Top-level fields buildReduced reads; `versions` is read field by field. */
const TOP_FIELDS = new Set(['name', 'dist-tags', 'time', 'maintainers']);

/** The fields of a version that are read; the index is the field's slot. */
const VERSION_FIELDS = [
  'repository',
  'bin',
  'directories',
  'scripts',
  'gypfile',
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'deprecated',
  '_npmUser',
  'dist',
  'gitHead',
] as const;
const [REPOSITORY, BIN, DIRECTORIES, SCRIPTS, GYPFILE, DEPENDENCIES, OPTIONAL, PEERS, DEPRECATED, NPM_USER, DIST, GIT_HEAD] = VERSION_FIELDS.map((_, i) => i);
/** The fields of `dist` that are read. */
const DIST_FIELDS = ['attestations', 'integrity'] as const;
const [ATTESTATIONS, INTEGRITY] = DIST_FIELDS.map((_, i) => i);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

class Malformed extends Error {}

/**
 * The reduced packument of a registry answer (what reducePackument gives for the document
 * JSON.parse would give), or undefined when the bytes are not a JSON object.
 */
export function decodePackument(bytes: Uint8Array, fallbackName: string): Packument | undefined {
  const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const versionReader = new VersionReader(reader);
  try {
    reader.space();
    const doc = dict<unknown>();
    let versions: ReducedVersions = { names: [], records: [] };
    reader.object((key) => {
      if (key === 'versions' && reader.peek() === OPEN_BRACE) {
        // A later `versions` replaces an earlier one, as in JSON.parse.
        const read: ReducedVersions = (versions = { names: [], records: [] });
        reader.object((version) => {
          read.names.push(version);
          read.records.push(versionReader.read());
        });
      } else if (key === 'versions') {
        // Not an object (an array, junk): judged as reducePackument judges the parsed value.
        versions = { names: [], records: [] };
        const value = reader.value();
        if (value && typeof value === 'object') reduceVersions(value, versionReader.reducer, versions);
      } else if (TOP_FIELDS.has(key)) {
        doc[key] = reader.value();
      } else {
        reader.skip();
      }
    });
    reader.space();
    if (!reader.atEnd()) return undefined;
    return buildReduced(doc, versions, fallbackName);
  } catch (e) {
    if (e instanceof Malformed || e instanceof SyntaxError || e instanceof RangeError) return undefined;
    throw e;
  }
}

/**
 * Reads one version (the reader at its value) into its reduced record; null when the
 * value is not an object. Each field's reduction is remembered by the field's text, for
 * the versions after it (one reader per packument).
 */
class VersionReader {
  readonly reducer = new VersionReducer();
  private readonly keys = new KeyTable(VERSION_FIELDS);
  /** Each field's value as [start, end) in the bytes; -1 where absent. */
  private readonly at = new Int32Array(VERSION_FIELDS.length * 2);
  private readonly distAt = new Int32Array(DIST_FIELDS.length * 2);
  /** `dist` is read field by field too (its fields count only when it is an object). */
  private readonly dist = { field: DIST, keys: new KeyTable(DIST_FIELDS), at: this.distAt };
  private readonly repository: FieldMemo<RepositoryFacts>;
  private readonly bin: FieldMemo<boolean>;
  private readonly directories: FieldMemo<boolean>;
  private readonly scripts: FieldMemo<Record<string, string> | undefined>;
  private readonly dependencies: FieldMemo<Record<string, string> | undefined>;
  /** optionalDependencies and dependencies together, by both texts (versions with optional ones). */
  private readonly bothDependencies = new Map<string, Record<string, string> | undefined>();
  private readonly peers: FieldMemo<Record<string, string> | undefined>;
  private readonly deprecated: FieldMemo<string | undefined>;
  private readonly publisher: FieldMemo<string | undefined>;

  constructor(private readonly reader: Reader) {
    const r = this.reducer;
    this.repository = new FieldMemo(reader, (t) => r.repository(JSON.parse(t)));
    this.bin = new FieldMemo(reader, (t) => hasBin(JSON.parse(t)));
    this.directories = new FieldMemo(reader, (t) => hasBin(binOfDirectories(JSON.parse(t))));
    this.scripts = new FieldMemo(reader, (t) => r.installScripts(JSON.parse(t), false));
    this.dependencies = new FieldMemo(reader, (t) => r.parsedDependencies(JSON.parse(t)));
    this.peers = new FieldMemo(reader, (t) => r.peers(JSON.parse(t)));
    this.deprecated = new FieldMemo(reader, (t) => r.deprecated(JSON.parse(t)));
    this.publisher = new FieldMemo(reader, (t) => r.publisher(JSON.parse(t)));
  }

  read(): VersionFields | null {
    const { reader, reducer, at, distAt } = this;
    if (reader.peek() !== OPEN_BRACE) {
      // An array is an object to reducePackument (a version with nothing set); scalars are no version.
      const value = reader.value();
      return value && typeof value === 'object' ? reducer.version(value as Record<string, unknown>) : null;
    }
    at.fill(-1);
    distAt.fill(-1);
    reader.fields(this.keys, at, this.dist);
    const gypfile = this.parsed(GYPFILE) === true;
    // With gypfile: true (rare), computed for the version (node-gyp's install script unless it has one).
    const scripts = gypfile ? reducer.installScripts(this.parsed(SCRIPTS), true) : this.memoized(this.scripts, SCRIPTS);
    let dependencies: Record<string, string> | undefined;
    if (!this.has(OPTIONAL)) dependencies = this.memoized(this.dependencies, DEPENDENCIES);
    else {
      // '\0' never occurs raw in JSON text: the two texts stay apart in the key.
      const key = `${reader.text(at[OPTIONAL * 2], at[OPTIONAL * 2 + 1])}\0${this.has(DEPENDENCIES) ? reader.text(at[DEPENDENCIES * 2], at[DEPENDENCIES * 2 + 1]) : ''}`;
      dependencies = this.bothDependencies.get(key);
      if (dependencies === undefined && !this.bothDependencies.has(key)) {
        dependencies = reducer.dependencies(this.parsed(OPTIONAL), this.parsed(DEPENDENCIES));
        this.bothDependencies.set(key, dependencies);
      }
    }
    // dist's fields count only when dist is an object (distAt is filled only then).
    const attestations = distAt[ATTESTATIONS * 2];
    const integrity = distAt[INTEGRITY * 2];
    const gitHead = at[GIT_HEAD * 2];
    return reducer.assemble({
      repository: this.memoized(this.repository, REPOSITORY) ?? NO_REPOSITORY,
      hasBin: this.memoized(this.bin, BIN) || this.memoized(this.directories, DIRECTORIES) || false,
      scripts,
      dependencies,
      peers: this.memoized(this.peers, PEERS),
      deprecated: this.memoized(this.deprecated, DEPRECATED),
      publisher: this.memoized(this.publisher, NPM_USER),
      hasProvenance: attestations >= 0 && (reader.byteAt(attestations) === OPEN_BRACE || reader.byteAt(attestations) === OPEN_BRACKET),
      // Most integrities start so (and need no string then); the others are parsed and judged.
      strongIntegrity: integrity >= 0 && (reader.startsWith(integrity, SHA512) || isStrongIntegrity(JSON.parse(reader.text(integrity, distAt[INTEGRITY * 2 + 1])))),
      // A gitHead in lowercase hex (most) is taken as it is; the others are parsed and judged.
      gitHead: gitHead < 0 ? undefined : reader.lowercaseHex(gitHead, at[GIT_HEAD * 2 + 1]) ? reader.text(gitHead + 1, at[GIT_HEAD * 2 + 1] - 1) : gitHeadOf(this.parsed(GIT_HEAD)),
    });
  }

  private has(field: number): boolean {
    return this.at[field * 2] >= 0;
  }

  /** The field's reduction through its memo, undefined when the version lacks the field. */
  private memoized<T>(memo: FieldMemo<T>, field: number): T | undefined {
    return this.at[field * 2] >= 0 ? memo.get(this.at[field * 2], this.at[field * 2 + 1]) : undefined;
  }

  /** The field's value as JSON.parse reads it, undefined when the version lacks the field. */
  private parsed(field: number): unknown {
    return this.at[field * 2] >= 0 ? JSON.parse(this.reader.text(this.at[field * 2], this.at[field * 2 + 1])) : undefined;
  }
}

const NO_REPOSITORY: RepositoryFacts = { has: false };
const SHA512 = Buffer.from('"sha512-');

/**
 * A version field's reduction, computed once per distinct text of the field in the
 * packument: the bytes of the last text are compared first (consecutive versions mostly
 * repeat a field, and no string is made then), then a map by text.
 */
class FieldMemo<T> {
  private lastStart = -1;
  private lastEnd = -1;
  private last: T | undefined;
  private readonly byText = new Map<string, T>();

  constructor(
    private readonly reader: Reader,
    private readonly compute: (text: string) => T,
  ) {}

  get(start: number, end: number): T {
    if (this.lastStart >= 0 && this.reader.sameBytes(this.lastStart, this.lastEnd, start, end)) return this.last as T;
    const text = this.reader.text(start, end);
    let value = this.byText.get(text);
    if (value === undefined && !this.byText.has(text)) {
      value = this.compute(text);
      this.byText.set(text, value);
    }
    this.lastStart = start;
    this.lastEnd = end;
    this.last = value;
    return value as T;
  }
}

function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * Known keys, matched against a key's bytes without decoding it: a JSON key is compared
 * byte by byte with the known keys of its length (a key with escapes is decoded first).
 */
class KeyTable {
  private readonly byLength: { bytes: Buffer; index: number }[][] = [];

  constructor(private readonly names: readonly string[]) {
    names.forEach((name, index) => (this.byLength[name.length] ??= []).push({ bytes: Buffer.from(name), index }));
  }

  /** The index of the key spelled by b[start, end) (inside its quotes), -1 when not known. */
  find(b: Buffer, start: number, end: number): number {
    const candidates = this.byLength[end - start];
    if (candidates) {
      for (const { bytes, index } of candidates) {
        let i = 0;
        while (i < bytes.length && b[start + i] === bytes[i]) i++;
        if (i === bytes.length) return index;
      }
    }
    // A key with escapes (`\u0076ersions`) may still spell a known one.
    return hasEscape(b, start, end) ? this.names.indexOf(keyText(b, start, end)) : -1;
  }
}

function hasEscape(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === BACKSLASH) return true;
  return false;
}

/** The key spelled by b[start, end) (inside its quotes); escapes decode as JSON.parse decodes them. */
function keyText(b: Buffer, start: number, end: number): string {
  return hasEscape(b, start, end) ? (JSON.parse(b.toString('utf8', start - 1, end + 1)) as string) : b.toString('utf8', start, end);
}

class Reader {
  private pos = 0;

  constructor(private readonly b: Buffer) {}

  atEnd(): boolean {
    return this.pos >= this.b.length;
  }

  peek(): number {
    if (this.pos >= this.b.length) throw new Malformed();
    return this.b[this.pos];
  }

  byteAt(i: number): number {
    return this.b[i];
  }

  /** Whether the bytes [a, aEnd) and [b, bEnd) are the same. */
  sameBytes(a: number, aEnd: number, b: number, bEnd: number): boolean {
    if (aEnd - a !== bEnd - b) return false;
    const bytes = this.b;
    for (let i = 0; i < aEnd - a; i++) if (bytes[a + i] !== bytes[b + i]) return false;
    return true;
  }

  /** Whether the bytes at `start` are `prefix`'s. */
  startsWith(start: number, prefix: Uint8Array): boolean {
    const b = this.b;
    if (start + prefix.length > b.length) return false;
    for (let i = 0; i < prefix.length; i++) if (b[start + i] !== prefix[i]) return false;
    return true;
  }

  /** Whether [start, end) is a JSON string of 7 to 40 lowercase hex digits (a commit as gitHeadOf keeps it). */
  lowercaseHex(start: number, end: number): boolean {
    const b = this.b;
    const n = end - start - 2;
    if (n < 7 || n > 40 || b[start] !== QUOTE || b[end - 1] !== QUOTE) return false;
    for (let i = start + 1; i < end - 1; i++) {
      const c = b[i];
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
    }
    return true;
  }

  /** The bytes [start, end) as text. */
  text(start: number, end: number): string {
    return this.b.toString('utf8', start, end);
  }

  space(): void {
    const b = this.b;
    while (this.pos < b.length) {
      const c = b[this.pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  /** `{ "key": value, ... }`: calls `onKey` with the reader at each value, which it must read or skip. */
  object(onKey: (key: string) => void): void {
    for (let more = this.open(); more; more = this.next()) onKey(keyText(this.b, this.keyStart, this.keyEnd));
  }

  /**
   * `{ "key": value, ... }` with keys looked up in `keys`: each known key's value span goes
   * to at[2k], at[2k + 1] (the last one wins, as in JSON.parse); other values are skipped.
   * The value of `nested.field`, when an object, is read the same way into nested.at
   * (cleared at each occurrence of the key: the last one wins whole).
   */
  fields(keys: KeyTable, at: Int32Array, nested?: { field: number; keys: KeyTable; at: Int32Array }): void {
    for (let more = this.open(); more; more = this.next()) {
      const field = keys.find(this.b, this.keyStart, this.keyEnd);
      const from = this.pos;
      if (nested !== undefined && field === nested.field) {
        nested.at.fill(-1);
        if (this.peek() === OPEN_BRACE) this.fields(nested.keys, nested.at);
        else this.skip();
      } else this.skip();
      if (field >= 0) {
        at[field * 2] = from;
        at[field * 2 + 1] = this.pos;
      }
    }
  }

  /** The span of the last key read (inside its quotes). */
  private keyStart = 0;
  private keyEnd = 0;

  /** Enters an object: false when it is empty, else its first key is read (keyStart, keyEnd) and the reader is at its value. */
  private open(): boolean {
    if (this.peek() !== OPEN_BRACE) throw new Malformed();
    this.pos++;
    this.space();
    if (this.peek() === 0x7d) {
      this.pos++;
      return false;
    }
    this.readKey();
    return true;
  }

  /** After a member's value: false at the object's end, else the next key is read as in open(). */
  private next(): boolean {
    this.space();
    const c = this.peek();
    this.pos++;
    if (c === 0x7d) return false;
    if (c !== 0x2c) throw new Malformed();
    this.readKey();
    return true;
  }

  private readKey(): void {
    this.space();
    const start = this.pos;
    if (this.peek() !== QUOTE) throw new Malformed();
    this.pos = this.stringEnd(start);
    this.keyStart = start + 1;
    this.keyEnd = this.pos - 1;
    this.space();
    if (this.peek() !== 0x3a) throw new Malformed();
    this.pos++;
    this.space();
  }

  /** A kept value: its text through JSON.parse. */
  value(): unknown {
    const start = this.pos;
    this.skip();
    return JSON.parse(this.b.toString('utf8', start, this.pos));
  }

  /** Steps over one value: a string, an object or array (by bracketing, strings inside skipped whole), or a scalar. */
  skip(): void {
    const b = this.b;
    const c = this.peek();
    if (c === QUOTE) {
      this.pos = this.stringEnd(this.pos);
      return;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      // Most of a packument's bytes pass through this loop: the position is a local, and
      // short strings are stepped through inline (stringEnd for the long ones).
      const n = b.length;
      let pos = this.pos;
      let depth = 0;
      while (pos < n) {
        const x = b[pos++];
        if (x === QUOTE) {
          const stop = Math.min(n, pos + 32);
          while (pos < stop) {
            const y = b[pos];
            if (y === QUOTE) break;
            pos += y === BACKSLASH ? 2 : 1;
          }
          if (pos < stop) pos++;
          else pos = this.stringEndFrom(pos);
          continue;
        }
        if (x === OPEN_BRACE || x === OPEN_BRACKET) depth++;
        else if (x === 0x7d || x === 0x5d) {
          if (--depth === 0) {
            this.pos = pos;
            return;
          }
        }
      }
      throw new Malformed();
    }
    const start = this.pos;
    while (this.pos < b.length) {
      const x = b[this.pos];
      if (x === 0x2c || x === 0x7d || x === 0x5d || x === 0x20 || x === 0x0a || x === 0x0d || x === 0x09) break;
      this.pos++;
    }
    if (this.pos === start) throw new Malformed();
  }

  /**
   * The index after the closing quote of the string that opens at `start`. Short strings
   * (most keys and values) are stepped through here; past 32 bytes the native indexOf
   * finds the quotes (a call into C++ per string cost more than the loop for short ones).
   */
  private stringEnd(start: number): number {
    const b = this.b;
    let at = start + 1;
    const stop = Math.min(b.length, at + 32);
    while (at < stop) {
      const c = b[at];
      if (c === QUOTE) return at + 1;
      at += c === BACKSLASH ? 2 : 1;
    }
    return this.stringEndFrom(at);
  }

  /** stringEnd, the string's bytes before `at` known to hold no closing quote. */
  private stringEndFrom(at: number): number {
    const b = this.b;
    for (;;) {
      const quote = b.indexOf(QUOTE, at);
      if (quote === -1) throw new Malformed();
      // Escaped when preceded by an odd number of backslashes.
      let slashes = 0;
      while (b[quote - 1 - slashes] === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return quote + 1;
      at = quote + 1;
    }
  }
}
