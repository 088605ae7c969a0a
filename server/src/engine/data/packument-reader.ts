/**
 * Reads a packument's JSON bytes keeping only the fields reducePackument reads
 * (registry-client.ts), without building the rest (issue #13 item 4, #15 item 2).
 *
 * A full packument is large (typescript 10 MB, next 21 MB; the registry ignores the
 * abbreviated-metadata Accept header) and mostly readmes, descriptions, file lists and
 * fields no rule reads. JSON.parse of the whole text built all of it: with 16 lookups in
 * flight that was over a gigabyte of short-lived objects, and the heap never shrank back
 * (the language server settled at 850 MB after a cold lookup of sentry). Here the bytes are
 * scanned once: skipped values are stepped over (strings with the native indexOf), and only
 * kept values are decoded and handed to JSON.parse, a few hundred bytes at a time.
 *
 * The bytes are the registry's (untrusted): the scan is iterative (no recursion on
 * nesting), linear, and anything that is not a well-formed top-level object, truncated
 * input included, is malformed (undefined). Values it skips are checked only for their
 * bracketing, not fully validated: a registry answer broken inside a readme still yields
 * the fields around it. Keys are own properties of null-prototype records, so a key named
 * "__proto__" stays a key, as with JSON.parse.
 */

/** Top-level fields reducePackument reads; `versions` is read field by field. */
const TOP_FIELDS = new Set(['name', 'dist-tags', 'time', 'maintainers']);
/** Fields of a version reducePackument reads. */
const VERSION_FIELDS = new Set([
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
]);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class Malformed extends Error {}

/** The packument with only the fields reducePackument reads, or undefined when the bytes are not a JSON object. */
export function readPackumentJson(bytes: Uint8Array): Record<string, unknown> | undefined {
  const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  try {
    reader.space();
    const doc = dict();
    reader.object((key) => {
      if (key === 'versions' && reader.peek() === 0x7b) {
        // Objects are read field by field; anything else is kept as it is, for reducePackument to judge.
        const versions = dict();
        reader.object((version) => {
          if (reader.peek() !== 0x7b) return void (versions[version] = reader.value());
          const fields = dict();
          reader.object((field) => (VERSION_FIELDS.has(field) ? (fields[field] = reader.value()) : reader.skip()));
          versions[version] = fields;
        });
        doc.versions = versions;
      } else if (key === 'versions' || TOP_FIELDS.has(key)) {
        doc[key] = reader.value();
      } else {
        reader.skip();
      }
    });
    reader.space();
    if (!reader.atEnd()) return undefined;
    return doc;
  } catch (e) {
    if (e instanceof Malformed || e instanceof SyntaxError || e instanceof RangeError) return undefined;
    throw e;
  }
}

function dict(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
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
    if (this.peek() !== 0x7b) throw new Malformed();
    this.pos++;
    this.space();
    if (this.peek() === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.space();
      const key = this.key();
      this.space();
      if (this.peek() !== 0x3a) throw new Malformed();
      this.pos++;
      this.space();
      onKey(key);
      this.space();
      const c = this.peek();
      this.pos++;
      if (c === 0x7d) return;
      if (c !== 0x2c) throw new Malformed();
    }
  }

  private key(): string {
    const start = this.pos;
    if (this.peek() !== QUOTE) throw new Malformed();
    const end = this.stringEnd(start);
    this.pos = end;
    let escaped = false;
    for (let i = start + 1; i < end - 1 && !escaped; i++) escaped = this.b[i] === BACKSLASH;
    // Escapes (`\u0076ersions`) decode as JSON.parse decodes them.
    return escaped ? (JSON.parse(this.b.toString('utf8', start, end)) as string) : this.b.toString('utf8', start + 1, end - 1);
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
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      while (this.pos < b.length) {
        const x = b[this.pos];
        if (x === QUOTE) {
          this.pos = this.stringEnd(this.pos);
          continue;
        }
        this.pos++;
        if (x === 0x7b || x === 0x5b) depth++;
        else if (x === 0x7d || x === 0x5d) {
          depth--;
          if (depth === 0) return;
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

  /** The index after the closing quote of the string that opens at `start`. */
  private stringEnd(start: number): number {
    const b = this.b;
    let at = start + 1;
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
