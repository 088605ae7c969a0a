/**
 * A reduced packument in memory: per-version data in columns, a version's record built
 * when a rule asks for it (issue #13 item 5).
 *
 * With theia and sentry open the language server holds about 220,000 versions. As one
 * VersionInfo object per version, in a dictionary of versions, beside a dictionary of ISO
 * date strings (`time`), that was about 60 MB of its heap (the records 21 MB, the two
 * dictionaries 26 MB, the date strings 10-12 MB), for the two or three versions per
 * package a rule ever reads whole (the locked one, the one before, `latest`). Here a
 * version is an index: its name in one array, its flags a few bits, its publish time a number,
 * and each optional field (dependencies, repository URL, ...) an index into a table of the
 * package's distinct values, so that versions with the same dependencies share one record
 * as before. `version(v)` builds the VersionInfo on demand; nothing keeps it.
 *
 * Lookups by name go through a sorted index (binary search), not a dictionary keyed by
 * the registry's strings: a version named `__proto__` or `constructor` is a name like any
 * other and can never find Object.prototype's members.
 */
import type { VersionInfo } from './remote-data';
import { encodePackument } from './packument-store';

/** Version fields other than the flags, each kept as a column. */
const OPTIONAL_FIELDS = ['scripts', 'dependencies', 'nonRegistryPeerDependencies', 'deprecated', 'publisher', 'repositoryUrl', 'gitHead'] as const;
type OptionalField = (typeof OPTIONAL_FIELDS)[number];

/** A version's record without its name: what the builder is given. */
export type VersionFields = Omit<VersionInfo, 'version'>;

const REPOSITORY = 1;
const BIN = 2;
const PROVENANCE = 4;
const STRONG_INTEGRITY = 8;
/** The version's `time` text is `pythonIsoTime` of its number, not toISOString's. */
const PYTHON_TIME = 16;

/**
 * A date as Python's isoformat() writes it in UTC, which is how the registry here spells
 * every `time` entry (`2024-12-09T00:35:24.531000+00:00`, no fraction at a whole second);
 * npm's own registry writes toISOString's form.
 */
function pythonIsoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = ms % 1000 === 0 ? '' : `${iso.slice(19, 23)}000`;
  return `${iso.slice(0, 19)}${fraction}+00:00`;
}

/** The last time formatTime wrote: the versions of a package walked in order (encodePackument) often share their date. */
const lastFormatted = { t: NaN, python: false, text: '' };

/** A version's `time` text from its number, in the form the registry used (see PYTHON_TIME). */
function formatTime(t: number, python: boolean): string {
  if (t !== lastFormatted.t || python !== lastFormatted.python) {
    lastFormatted.t = t;
    lastFormatted.python = python;
    lastFormatted.text = python ? pythonIsoTime(t) : new Date(t).toISOString();
  }
  return lastFormatted.text;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The number `text` is pythonIsoTime of, when it is exactly that form (a real date, the
 * fraction present unless zero); undefined otherwise. Read digit by digit: parsing and
 * formatting every version's date to compare was most of decoding a packument.
 */
function pythonIsoTimeValue(text: string): number | undefined {
  const fraction = text.length === 32;
  if (!fraction && text.length !== 25) return undefined;
  if (!text.endsWith('+00:00') || (fraction && (text[19] !== '.' || !text.endsWith('000+00:00')))) return undefined;
  const ms = fraction ? digits(text, 20, 23) : 0;
  if (fraction && ms === 0) return undefined; // isoformat writes no fraction at a whole second
  return dateTimeValue(text, ms);
}

/**
 * The number `text` is toISOString of (`2021-01-01T00:00:00.000Z`, npm's own registry's
 * form) when it is exactly that form, read digit by digit as pythonIsoTimeValue; undefined
 * otherwise (then Date.parse and a comparison with toISOString decide).
 */
function isoTimeValue(text: string): number | undefined {
  if (text.length !== 24 || text[19] !== '.' || text[23] !== 'Z') return undefined;
  return dateTimeValue(text, digits(text, 20, 23));
}

/** `YYYY-MM-DDTHH:MM:SS` at the start of `text`, plus `ms`, when a real date of years 1000-9999 (ms a number 0-999). */
function dateTimeValue(text: string, ms: number): number | undefined {
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  // NaN fails every comparison; years before 1000 are left to the general path (Date.UTC reads 0-99 as 1900-1999).
  if (!(year >= 1000 && day >= 1 && day <= days && hour < 24 && minute < 60 && second < 60 && ms >= 0)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The decimal number text[from, to) spells, NaN when it is not all digits. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * What a Packument keeps per version, in one buffer (one allocation per package: the
 * typed arrays and their buffers cost about 170 bytes of heap each, and the median
 * package has a few dozen versions). `n` versions:
 *
 *   published  Float64Array(n)  each version's `time` entry parsed (ms since the epoch),
 *                               NaN when it has none or it does not parse
 *   ints       Int32Array(n * (2 + columns)):
 *              [0, n)           indexes into versionNames sorted by name (code units),
 *                               for binary search
 *              [n, 2n)          each version's flags
 *              [(2 + c) n, ...) column c: an index into tables[c], -1 where the version
 *                               lacks the field
 */
interface Columns {
  published: Float64Array;
  ints: Int32Array;
  /** Bit f set: OPTIONAL_FIELDS[f] has a column (in OPTIONAL_FIELDS order). */
  present: number;
  /** Per column, the package's distinct values of its field. */
  tables: unknown[][];
}

/**
 * What a Packument is made of, as packument-decoder.ts hands it from its worker thread to
 * the main one (structured clone; the columns' buffer transferred). The tables of records
 * travel as JSON text (see parts()).
 */
export interface PackumentParts {
  name: string;
  distTags: Record<string, string>;
  versionNames: string[];
  /** A table of records is its JSON text here. */
  columns: Omit<Columns, 'tables'> & { tables: (unknown[] | string)[] };
  oddTimes: Map<number, string> | undefined;
  otherTimes: Record<string, string>;
  unpublished?: { time?: string; versions: string[] };
  maintainers?: string[];
}

/** The OPTIONAL_FIELDS whose values are records keyed by the registry's names (scripts, dependencies, peers). */
const RECORD_FIELDS = new Set<OptionalField>(['scripts', 'dependencies', 'nonRegistryPeerDependencies']);

/** The field of column `c`, the columns being the fields whose bits are set in `present`, in OPTIONAL_FIELDS order. */
function fieldOfColumn(present: number, c: number): OptionalField {
  for (let bit = 0; bit < OPTIONAL_FIELDS.length; bit++) if (present & (1 << bit) && c-- === 0) return OPTIONAL_FIELDS[bit];
  throw new Error(`no column ${c}`);
}

export class Packument {
  readonly name: string;
  readonly distTags: Record<string, string>;
  /** `time.unpublished` when the whole package was unpublished. */
  readonly unpublished?: { time?: string; versions: string[] };
  readonly maintainers?: string[];
  /** The versions the registry serves, in its order (the order of its `versions` object). */
  readonly versionNames: readonly string[];
  private readonly columns: Columns;
  /** A version's `time` text where neither toISOString nor pythonIsoTime gives it back from its number (or it does not parse). */
  private readonly oddTimes: Map<number, string> | undefined;
  /** The other entries of `time`: `created`, `modified`, versions no longer served. Null prototype. */
  private readonly otherTimes: Record<string, string>;

  /** Use PackumentBuilder. */
  constructor(parts: {
    name: string;
    distTags: Record<string, string>;
    versionNames: string[];
    columns: Columns;
    oddTimes: Map<number, string> | undefined;
    otherTimes: Record<string, string>;
    unpublished?: { time?: string; versions: string[] };
    maintainers?: string[];
  }) {
    this.name = parts.name;
    this.distTags = parts.distTags;
    this.versionNames = parts.versionNames;
    this.columns = parts.columns;
    this.oddTimes = parts.oddTimes;
    this.otherTimes = parts.otherTimes;
    if (parts.unpublished) this.unpublished = parts.unpublished;
    if (parts.maintainers) this.maintainers = parts.maintainers;
  }

  /**
   * What the Packument is made of (see PackumentParts), for a packument about to be dropped
   * (the parts are its own). The tables of records go as JSON text: JSON.parse on the other
   * side builds them as the in-thread decoder does (parsed records, compact, their short
   * values shared), where a structured clone made a copy of every value of every record
   * (with theia and sentry open, 7 MB more heap once settled).
   */
  parts(): PackumentParts {
    const { columns } = this;
    const tables = columns.tables.map((table, c) => (RECORD_FIELDS.has(fieldOfColumn(columns.present, c)) ? JSON.stringify(table) : table));
    const parts: PackumentParts = {
      name: this.name,
      distTags: this.distTags,
      versionNames: this.versionNames as string[],
      columns: { ...columns, tables },
      oddTimes: this.oddTimes,
      otherTimes: this.otherTimes,
    };
    if (this.unpublished) parts.unpublished = this.unpublished;
    if (this.maintainers) parts.maintainers = this.maintainers;
    return parts;
  }

  /** The Packument of parts() after a structured clone: record tables parsed, records keyed by registry names with a null prototype again. */
  static fromParts(parts: PackumentParts): Packument {
    const { columns } = parts;
    const tables = columns.tables.map((table, c): unknown[] => {
      if (typeof table !== 'string') return table;
      const records = JSON.parse(table) as object[];
      for (const record of records) Object.setPrototypeOf(record, null);
      return records;
    });
    Object.setPrototypeOf(parts.distTags, null);
    Object.setPrototypeOf(parts.otherTimes, null);
    // Each version name once as a property key: V8 then points every copy of an equal name at
    // one shared string (in-place internalization), as it did when the cache's stored form was
    // built on this thread (encodePackument keys a record by the names). Cloned names are each
    // their own copy otherwise: with theia and sentry open the server held 300,000 more strings,
    // about 13 MB of heap (most packages' versions are named alike: 1.0.0, 2.3.1).
    const keys = Object.create(null) as Record<string, number>;
    for (const name of parts.versionNames) keys[name] = 0;
    return new Packument({ ...parts, columns: { ...columns, tables } });
  }

  get versionCount(): number {
    return this.versionNames.length;
  }

  /** Whether the registry serves `version` (any string: names are the registry's, never prototype members). */
  hasVersion(version: string): boolean {
    return this.indexOf(version) >= 0;
  }

  /** The version's record, built now (callers keep it as long as they need it), or undefined when not served. */
  version(version: string | undefined): VersionInfo | undefined {
    const i = version === undefined ? -1 : this.indexOf(version);
    return i < 0 ? undefined : this.infoAt(i);
  }

  /** `time[key]` as the registry wrote it (a version, `created`, `modified`), or undefined. */
  time(key: string): string | undefined {
    const i = this.indexOf(key);
    if (i < 0) return Object.prototype.hasOwnProperty.call(this.otherTimes, key) ? this.otherTimes[key] : undefined;
    return this.timeAt(i);
  }

  /** The record of versionNames[i] (what version() gives for it), for a walk over every version. */
  versionAt(i: number): VersionInfo {
    return this.infoAt(i);
  }

  /** `time` of versionNames[i] as the registry wrote it, or undefined. */
  timeAt(i: number): string | undefined {
    const odd = this.oddTimes?.get(i);
    if (odd !== undefined) return odd;
    const t = this.columns.published[i];
    if (Number.isNaN(t)) return undefined;
    return formatTime(t, (this.columns.ints[this.versionNames.length + i] & PYTHON_TIME) !== 0);
  }

  /** `time[key]` parsed (ms since the epoch), undefined when absent or not a date. */
  publishedAt(key: string): number | undefined {
    const i = this.indexOf(key);
    if (i >= 0) {
      const t = this.columns.published[i];
      return Number.isNaN(t) ? undefined : t;
    }
    const text = this.time(key);
    const t = text === undefined ? NaN : Date.parse(text);
    return Number.isNaN(t) ? undefined : t;
  }

  /** The keys of `time` other than served versions (`created`, `modified`, versions no longer served). */
  otherTimeKeys(): string[] {
    return Object.keys(this.otherTimes);
  }

  /** The keys of `time`: the served versions that have one, then the others. */
  timeKeys(): string[] {
    const keys = this.versionNames.filter((_, i) => !Number.isNaN(this.columns.published[i]) || this.oddTimes?.has(i));
    return [...keys, ...Object.keys(this.otherTimes)];
  }

  /** The stored form (packument-store.ts): what JSON.stringify writes. */
  toJSON(): unknown {
    return encodePackument(this);
  }

  private indexOf(version: string): number {
    if (typeof version !== 'string') return -1;
    const names = this.versionNames;
    const sorted = this.columns.ints;
    let lo = 0;
    let hi = names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const name = names[sorted[mid]];
      if (name === version) return sorted[mid];
      if (name < version) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private infoAt(i: number): VersionInfo {
    const n = this.versionNames.length;
    const { ints, present, tables } = this.columns;
    const f = ints[n + i];
    const info: VersionInfo = { version: this.versionNames[i], hasRepository: (f & REPOSITORY) !== 0, hasBin: (f & BIN) !== 0, hasProvenance: (f & PROVENANCE) !== 0 };
    if (f & STRONG_INTEGRITY) info.strongIntegrity = true;
    for (let bit = 0, c = 0; bit < OPTIONAL_FIELDS.length; bit++) {
      if (!(present & (1 << bit))) continue;
      const k = ints[(2 + c) * n + i];
      if (k >= 0) (info as unknown as Record<string, unknown>)[OPTIONAL_FIELDS[bit]] = tables[c][k];
      c++;
    }
    return info;
  }
}

/**
 * Collects versions and `time` entries, then builds the Packument. Optional values are
 * shared by identity (a dependency record object, a string): callers pass one object per
 * distinct record, as reducePackument and the stored form do.
 */
export class PackumentBuilder {
  private names: string[] = [];
  private readonly indexes = new Map<string, number>();
  private flags: number[] = [];
  /** Per optional field (OPTIONAL_FIELDS order), each version's value. */
  private values: unknown[][] = OPTIONAL_FIELDS.map(() => []);
  private readonly times = new Map<string, string>();
  /** Indexes of names whose last value was no version (see drop). */
  private dropped: Set<number> | undefined;
  /** Whether a name is an array index (see settleOrder). */
  private arrayIndexNames = false;

  constructor(
    private readonly name: string,
    private readonly distTags: Record<string, string>,
  ) {}

  /**
   * A version, in the order versions are given (the registry's, as in its document); a
   * name given twice keeps the later record, in the first one's place, as JSON.parse does.
   */
  version(version: string, v: VersionFields): this {
    const i = this.indexOf(version);
    this.dropped?.delete(i);
    this.flags[i] = (v.hasRepository ? REPOSITORY : 0) | (v.hasBin ? BIN : 0) | (v.hasProvenance ? PROVENANCE : 0) | (v.strongIntegrity ? STRONG_INTEGRITY : 0);
    for (let f = 0; f < OPTIONAL_FIELDS.length; f++) this.values[f][i] = v[OPTIONAL_FIELDS[f]];
    return this;
  }

  /**
   * The registry's value under `version` is not a version object: the name is no version,
   * unless a record comes under it again later (JSON.parse keeps the last value of a
   * name, in its first place).
   */
  drop(version: string): this {
    const i = this.indexOf(version);
    this.flags[i] = 0;
    for (let f = 0; f < OPTIONAL_FIELDS.length; f++) this.values[f][i] = undefined;
    (this.dropped ??= new Set()).add(i);
    return this;
  }

  private indexOf(version: string): number {
    let i = this.indexes.get(version);
    if (i === undefined) {
      i = this.names.push(version) - 1;
      this.indexes.set(version, i);
      if (isArrayIndex(version)) this.arrayIndexNames = true;
    }
    return i;
  }

  /**
   * The versions in the order Object.entries gives the keys of a record of them (array
   * index names first, ascending: how a record of the versions that JSON.parse built was
   * always read), dropped names left out.
   */
  private settleOrder(): void {
    if (!this.dropped?.size && !this.arrayIndexNames) return;
    const kept = Array.from(this.names.keys()).filter((i) => !this.dropped?.has(i));
    const indexed = kept.filter((i) => isArrayIndex(this.names[i])).sort((a, b) => Number(this.names[a]) - Number(this.names[b]));
    const order = [...indexed, ...kept.filter((i) => !isArrayIndex(this.names[i]))];
    const names = order.map((i) => this.names[i]);
    const flags = order.map((i) => this.flags[i]);
    const values = this.values.map((column) => order.map((i) => column[i]));
    this.names = names;
    this.flags = flags;
    this.values = values;
    this.indexes.clear();
    names.forEach((name, i) => this.indexes.set(name, i));
    this.dropped = undefined;
    this.arrayIndexNames = false;
  }

  /** A `time` entry (a version's publish date, `created`, `modified`, ...). */
  time(key: string, value: string): this {
    this.times.set(key, value);
    return this;
  }

  build(extra: { unpublished?: { time?: string; versions: string[] }; maintainers?: string[] } = {}): Packument {
    this.settleOrder();
    const n = this.names.length;
    const columns = this.values.filter((column) => column.some((value) => value !== undefined));
    const buffer = new ArrayBuffer(n * 8 + n * (2 + columns.length) * 4);
    const published = new Float64Array(buffer, 0, n).fill(NaN);
    const ints = new Int32Array(buffer, n * 8).fill(-1);
    const names = this.names;
    ints.set(Array.from(names.keys()).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0)));
    ints.set(this.flags, n);
    let present = 0;
    const tables = columns.map((column, c) => {
      present |= 1 << this.values.indexOf(column);
      const values: unknown[] = [];
      const known = new Map<unknown, number>();
      for (let i = 0; i < n; i++) {
        const value = column[i];
        if (value === undefined) continue;
        let k = known.get(value);
        if (k === undefined) known.set(value, (k = values.push(value) - 1));
        ints[(2 + c) * n + i] = k;
      }
      return values;
    });
    let oddTimes: Map<number, string> | undefined;
    const otherTimes = Object.create(null) as Record<string, string>;
    for (const [key, text] of this.times) {
      const i = this.indexes.get(key);
      if (i === undefined) {
        otherTimes[key] = text;
        continue;
      }
      // Kept as text only where the number would not give the same text back in one of
      // the registries' forms (a date without milliseconds, junk): evidence and hovers
      // quote the registry's words.
      const python = pythonIsoTimeValue(text);
      if (python !== undefined) {
        published[i] = python;
        ints[n + i] |= PYTHON_TIME;
        continue;
      }
      const iso = isoTimeValue(text);
      if (iso !== undefined) {
        published[i] = iso;
        continue;
      }
      const t = Date.parse(text);
      published[i] = t;
      if (Number.isNaN(t) || new Date(t).toISOString() !== text) (oddTimes ??= new Map()).set(i, text);
    }
    return new Packument({
      name: this.name,
      distTags: this.distTags,
      versionNames: names,
      columns: { published, ints, present, tables },
      oddTimes,
      otherTimes,
      ...extra,
    });
  }
}

/** Whether a record key is an array index (0 to 2^32 - 2 in canonical form): Object.entries lists those first. */
function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  if (!(c >= 48 && c <= 57) || key.length > 10 || (c === 48 && key.length > 1)) return false;
  for (let i = 1; i < key.length; i++) {
    const d = key.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return Number(key) <= 4294967294;
}

/**
 * A Packument from the record form, `versions` and `time` as objects keyed by version (how
 * the registry writes them, and how tests spell a packument out). Flags not given are false.
 */
export function packumentFromRecords(r: {
  name: string;
  distTags?: Record<string, string>;
  versions?: Record<string, Partial<VersionInfo>>;
  time?: Record<string, string>;
  unpublished?: { time?: string; versions: string[] };
  maintainers?: string[];
}): Packument {
  const builder = new PackumentBuilder(r.name, r.distTags ?? (Object.create(null) as Record<string, string>));
  for (const [version, info] of Object.entries(r.versions ?? {})) builder.version(version, { hasRepository: false, hasBin: false, hasProvenance: false, ...info });
  for (const [key, text] of Object.entries(r.time ?? {})) builder.time(key, text);
  return builder.build({ unpublished: r.unpublished, maintainers: r.maintainers });
}
