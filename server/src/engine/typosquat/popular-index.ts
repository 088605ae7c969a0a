/**
 * Everything the typosquat detector and the affix index look names up in, derived from
 * the popular list: in JS Maps when built from a list (tests, a custom list, the build),
 * or read straight from the bytes of dist/typosquat-index.bin, which esbuild.mjs writes
 * from the bundled list. Loading the file computes nothing: the keys are sorted and
 * found by binary search over one string, the trigram postings are flat arrays
 * (NameIndex). Building the Maps at start was ~100,000 inserts, and its JSON snapshot
 * (1.8 MB inlined in every bundle) had to be compiled and parsed by every CLI run.
 *
 * File layout (little-endian): magic, format version, number of int32s, bytes of text;
 * the int32s (sections, each its length then its values); the text (UTF-8), which holds
 * every name and key once, referred to by [start, length] in UTF-16 units. Each table is
 * its keys' refs, their values, and an open-addressing hash of them (keyHash): a lookup
 * hashes the name once and compares it with one key or two, where a binary search
 * compared it with a dozen, character by character (two thirds of the typosquat rule's
 * time on a 2,000-entry lockfile).
 */
import { NameIndex } from './name-index';
import { splitScope, squash, unconfuse } from './candidates';
import type { PopularPackage } from './popular';

/** What the detector asks of a table: a Map, or a sorted table read from the index file. */
export interface Lookup<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
}

/** Affix imitations are only looked for among names this popular (affix.ts). */
export const AFFIX_TOP_RANK = 5000;
/** Shorter popular names ("ms", "ws", "glob") are words of their own inside other names. */
const AFFIX_MIN_TARGET_LENGTH = 4;
/** A bare name shorter than this ("core", "cli") is too generic to be a scoped package's copy. */
const AFFIX_MIN_BARE_LENGTH = 5;
/** Dropping the last letter of a short name gives another word. */
const AFFIX_MIN_DROPPED_LENGTH = 5;

export interface PopularTables {
  /** Where the list comes from, e.g. "npm-high-impact@1.13.0". */
  source: string;
  size: number;
  byName: Lookup<PopularPackage>;
  byLower: Lookup<PopularPackage>;
  byUnconfused: Lookup<PopularPackage>;
  bySquash: Lookup<PopularPackage>;
  /** Names of three or more words, squashed without their last word ("load-yaml-file" -> "loadyaml"). */
  byShortenedSquash: Lookup<PopularPackage>;
  /** "@types/node" is also reachable as "typesnode" (scope and name run together). */
  byFlatScoped: Lookup<PopularPackage>;
  /** Bare names of scoped packages ("core-http" -> @azure/core-http); null when several scopes use it. */
  byBareScoped: Lookup<PopularPackage | null>;
  /** Popular packages of each scope, most popular first. */
  scopes: Lookup<PopularPackage[]>;
  /** Squashed scope -> the popular scope spelled that way (the scope index holds the squashed forms). */
  scopeBySquash: Lookup<string>;
  scopeIndex: NameIndex;
  /** The unscoped package of an unscopedIndex id. */
  unscoped(id: number): PopularPackage;
  unscopedIndex: NameIndex;
  /** For affix.ts, among the AFFIX_TOP_RANK most popular: unscoped names, bare names of scoped ones (null: several), names without their last letter. */
  affixUnscoped: Lookup<PopularPackage>;
  affixBareScoped: Lookup<PopularPackage | null>;
  affixWithoutLast: Lookup<PopularPackage>;
}

/** The tables as Maps, computed from a list (most popular first). */
export interface MapTables extends PopularTables {
  list: PopularPackage[];
  byName: Map<string, PopularPackage>;
  byLower: Map<string, PopularPackage>;
  byUnconfused: Map<string, PopularPackage>;
  bySquash: Map<string, PopularPackage>;
  byShortenedSquash: Map<string, PopularPackage>;
  byFlatScoped: Map<string, PopularPackage>;
  byBareScoped: Map<string, PopularPackage | null>;
  scopes: Map<string, PopularPackage[]>;
  scopeBySquash: Map<string, string>;
  unscopedList: PopularPackage[];
  affixUnscoped: Map<string, PopularPackage>;
  affixBareScoped: Map<string, PopularPackage | null>;
  affixWithoutLast: Map<string, PopularPackage>;
}

function setFirst<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (!map.has(key)) map.set(key, value);
}

export function tablesFromList(popular: PopularPackage[], source = ''): MapTables {
  const byName = new Map<string, PopularPackage>();
  const byLower = new Map<string, PopularPackage>();
  const bySquash = new Map<string, PopularPackage>();
  const byShortenedSquash = new Map<string, PopularPackage>();
  const byFlatScoped = new Map<string, PopularPackage>();
  const byUnconfused = new Map<string, PopularPackage>();
  const byBareScoped = new Map<string, PopularPackage | null>();
  const scopes = new Map<string, PopularPackage[]>();
  const scopeBySquash = new Map<string, string>();
  const unscopedList: PopularPackage[] = [];
  const affixUnscoped = new Map<string, PopularPackage>();
  const affixBareScoped = new Map<string, PopularPackage | null>();
  const affixWithoutLast = new Map<string, PopularPackage>();
  for (const p of popular) {
    byName.set(p.name, p);
    const [scope, bare] = splitScope(p.name);
    if (scope) {
      const list = scopes.get(scope);
      if (list) list.push(p);
      else scopes.set(scope, [p]);
      setFirst(byFlatScoped, squash(scope + bare), p);
      const other = byBareScoped.get(bare);
      byBareScoped.set(bare, other === undefined ? p : null);
    } else {
      unscopedList.push(p);
      setFirst(bySquash, squash(p.name), p);
      const segments = p.name.split(/[-_.]/);
      if (segments.length >= 3) setFirst(byShortenedSquash, squash(segments.slice(0, -1).join('')), p);
    }
    setFirst(byLower, p.name.toLowerCase(), p);
    setFirst(byUnconfused, unconfuse(p.name), p);
  }
  for (const scope of scopes.keys()) setFirst(scopeBySquash, squash(scope), scope);
  for (const p of popular) {
    if (p.rank > AFFIX_TOP_RANK) continue;
    const [scope, bare] = splitScope(p.name);
    if (scope) {
      // Typings (@types/x) are no imitation target for the library x itself.
      if (scope === 'types' || bare.length < AFFIX_MIN_BARE_LENGTH) continue;
      affixBareScoped.set(bare, affixBareScoped.has(bare) ? null : p);
      continue;
    }
    if (p.name.length >= AFFIX_MIN_TARGET_LENGTH) affixUnscoped.set(p.name, p);
    if (p.name.length >= AFFIX_MIN_DROPPED_LENGTH) setFirst(affixWithoutLast, p.name.slice(0, -1), p);
  }
  const scopeIndex = new NameIndex([...scopeBySquash.keys()]);
  const unscopedIndex = new NameIndex(unscopedList.map((p) => p.name));
  return {
    source,
    size: byName.size,
    list: popular,
    byName,
    byLower,
    byUnconfused,
    bySquash,
    byShortenedSquash,
    byFlatScoped,
    byBareScoped,
    scopes,
    scopeBySquash,
    scopeIndex,
    unscoped: (id) => unscopedList[id],
    unscopedList,
    unscopedIndex,
    affixUnscoped,
    affixBareScoped,
    affixWithoutLast,
  };
}

const MAGIC = 0x49505744; // "DWPI"
const FORMAT_VERSION = 2;
const HEADER_BYTES = 16;
/** Value of a key that is absent from a table. */
const ABSENT = -2;
/** Stored value for null (a key several packages share). */
const NULL_VALUE = -1;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Writes the tables built from a list as the index file's bytes. */
export function writePopularIndex(tables: MapTables): Uint8Array {
  const ints: number[] = [];
  const text: string[] = [];
  let textLength = 0;
  const interned = new Map<string, number>();
  const ref = (s: string): [number, number] => {
    let start = interned.get(s);
    if (start === undefined) {
      start = textLength;
      interned.set(s, start);
      text.push(s);
      textLength += s.length;
    }
    return [start, s.length];
  };
  const section = (values: ArrayLike<number>) => {
    ints.push(values.length);
    for (let i = 0; i < values.length; i++) ints.push(values[i]);
  };
  const ids = new Map<PopularPackage, number>();
  tables.list.forEach((p, i) => ids.set(p, i));
  const idOf = (p: PopularPackage | null) => (p === null ? NULL_VALUE : ids.get(p)!);
  /** A table: its keys' [start, length] in key order, their values, then the hash slots. */
  const table = (entries: [string, number][]) => {
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    section(entries.flatMap(([key]) => ref(key)));
    section(entries.map(([, value]) => value));
    section(hashSlots(entries.map(([key]) => key)));
  };
  const packageTable = (map: Map<string, PopularPackage | null>) => table([...map].map(([key, p]) => [key, idOf(p)]));

  section([...ref(tables.source)]);
  section(tables.list.flatMap((p) => ref(p.name)));
  section(tables.list.map((p) => p.downloadsRank));
  section(tables.list.map((p) => p.dependentsRank));
  for (const map of [tables.byName, tables.byLower, tables.byUnconfused, tables.bySquash, tables.byShortenedSquash, tables.byFlatScoped, tables.byBareScoped]) packageTable(map);
  // Scopes in the order the list first names them (the scope index's order).
  const groups = [...tables.scopes.keys()];
  const groupOf = new Map(groups.map((scope, g) => [scope, g]));
  section(groups.flatMap((scope) => ref(scope)));
  table(groups.map((scope, g) => [scope, g]));
  const memberStarts: number[] = [];
  const members: number[] = [];
  for (const scope of groups) {
    memberStarts.push(members.length);
    for (const p of tables.scopes.get(scope)!) members.push(idOf(p));
  }
  memberStarts.push(members.length);
  section(memberStarts);
  section(members);
  table([...tables.scopeBySquash].map(([squashed, scope]) => [squashed, groupOf.get(scope)!]));
  section([...tables.scopeBySquash.keys()].flatMap((squashed) => ref(squashed)));
  section(tables.scopeIndex.toCompact());
  section(tables.unscopedList.map(idOf));
  section(tables.unscopedIndex.toCompact());
  for (const map of [tables.affixUnscoped, tables.affixBareScoped, tables.affixWithoutLast]) packageTable(map);

  const textBytes = Buffer.from(text.join(''), 'utf8');
  const out = new Uint8Array(HEADER_BYTES + 4 * ints.length + textBytes.length);
  const view = new DataView(out.buffer);
  [MAGIC, FORMAT_VERSION, ints.length, textBytes.length].forEach((v, i) => view.setUint32(4 * i, v, true));
  for (let i = 0; i < ints.length; i++) view.setInt32(HEADER_BYTES + 4 * i, ints[i], true);
  out.set(textBytes, HEADER_BYTES + 4 * ints.length);
  return out;
}

/** FNV-1a over UTF-16 code units: the writer places keys by it, the reader probes by it. */
function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Open addressing with linear probing: a power-of-two number of slots, at least twice the
 * keys (so probes stay short), each 0 (empty) or a key's index + 1.
 */
function hashSlots(keys: string[]): Int32Array {
  let size = 1;
  while (size < 2 * keys.length) size <<= 1;
  const slots = new Int32Array(size);
  const mask = size - 1;
  keys.forEach((key, i) => {
    let s = keyHash(key) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = i + 1;
  });
  return slots;
}

/** Keys as [start, length] into one text, each with an int value, found by their hash: a Map without the inserts. */
class HashedKeys {
  constructor(
    private readonly text: string,
    private readonly refs: Int32Array,
    private readonly values: Int32Array,
    private readonly slots: Int32Array,
  ) {}

  /** The value of `key`, or ABSENT. */
  find(key: string): number {
    const { text, refs, slots } = this;
    const mask = slots.length - 1;
    // Bounded by the number of slots: a damaged file without an empty slot cannot loop.
    for (let s = keyHash(key) & mask, probes = 0; probes < slots.length; s = (s + 1) & mask, probes++) {
      const entry = slots[s] - 1;
      if (entry < 0) return ABSENT;
      if (refs[2 * entry + 1] === key.length && text.startsWith(key, refs[2 * entry])) return this.values[entry];
    }
    return ABSENT;
  }
}

class TableLookup<V> implements Lookup<V> {
  constructor(
    private readonly keys: HashedKeys,
    private readonly valueOf: (stored: number) => V,
  ) {}

  get(key: string): V | undefined {
    const stored = this.keys.find(key);
    return stored === ABSENT ? undefined : this.valueOf(stored);
  }

  has(key: string): boolean {
    return this.keys.find(key) !== ABSENT;
  }
}

function damaged(why: string): Error {
  return new Error(`the typosquat index (typosquat-index.bin) is damaged or from another depwarden build: ${why}`);
}

/** The int32s of the file, as a view when the bytes allow it. */
function intsOf(bytes: Uint8Array, count: number): Int32Array {
  const offset = bytes.byteOffset + HEADER_BYTES;
  if (LITTLE_ENDIAN && offset % 4 === 0) return new Int32Array(bytes.buffer, offset, count);
  const view = new DataView(bytes.buffer, offset, 4 * count);
  const ints = new Int32Array(count);
  for (let i = 0; i < count; i++) ints[i] = view.getInt32(4 * i, true);
  return ints;
}

/** Reads what writePopularIndex wrote. Throws on bytes of another format or a torn file. */
export function readPopularIndex(bytes: Uint8Array): PopularTables {
  if (bytes.length < HEADER_BYTES) throw damaged('too short');
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (header.getUint32(0, true) !== MAGIC || header.getUint32(4, true) !== FORMAT_VERSION) throw damaged('unknown format');
  const intCount = header.getUint32(8, true);
  const textBytes = header.getUint32(12, true);
  if (bytes.length !== HEADER_BYTES + 4 * intCount + textBytes) throw damaged('wrong length');
  const ints = intsOf(bytes, intCount);
  const textStart = bytes.byteOffset + HEADER_BYTES + 4 * intCount;
  const text = Buffer.from(bytes.buffer, textStart, textBytes).toString('utf8');
  let pos = 0;
  const next = (): Int32Array => {
    const n = ints[pos];
    if (!(n >= 0) || pos + 1 + n > ints.length) throw damaged('a section runs past the end');
    const out = ints.subarray(pos + 1, pos + 1 + n);
    pos += 1 + n;
    return out;
  };
  const strings = (refs: Int32Array): string[] => {
    const out: string[] = new Array(refs.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = text.slice(refs[2 * i], refs[2 * i] + refs[2 * i + 1]);
    return out;
  };
  const keys = () => {
    const refs = next();
    const values = next();
    const slots = next();
    // A slot naming no key reads as an absent key (find), so only the shape is checked here.
    if (refs.length !== 2 * values.length || slots.length === 0 || (slots.length & (slots.length - 1)) !== 0) throw damaged('a table is malformed');
    return new HashedKeys(text, refs, values, slots);
  };

  const [source] = strings(next());
  const names = strings(next());
  const downloadsRanks = next();
  const dependentsRanks = next();
  // Packages are made when a lookup returns them: most never are.
  const made: (PopularPackage | undefined)[] = new Array(names.length);
  const packageAt = (id: number): PopularPackage => {
    if (!(id >= 0 && id < names.length)) throw damaged('a package id is out of range');
    return (made[id] ??= { name: names[id], rank: id + 1, downloadsRank: downloadsRanks[id], dependentsRank: dependentsRanks[id] });
  };
  const packageOrNull = (stored: number) => (stored === NULL_VALUE ? null : packageAt(stored));
  const packages = () => new TableLookup(keys(), packageAt);
  const byName = packages();
  const byLower = packages();
  const byUnconfused = packages();
  const bySquash = packages();
  const byShortenedSquash = packages();
  const byFlatScoped = packages();
  const byBareScoped = new TableLookup(keys(), packageOrNull);
  const scopeNames = strings(next());
  const scopeKeys = keys();
  const memberStarts = next();
  const members = next();
  const scopes = new TableLookup(scopeKeys, (g) => Array.from(members.subarray(memberStarts[g], memberStarts[g + 1]), packageAt));
  const scopeBySquash = new TableLookup(keys(), (g) => scopeNames[g]);
  const scopeIndex = new NameIndex(strings(next()), next());
  const unscopedIds = next();
  const unscopedIndex = new NameIndex(Array.from(unscopedIds, (id) => names[id]), next());
  const affixUnscoped = packages();
  const affixBareScoped = new TableLookup(keys(), packageOrNull);
  const affixWithoutLast = packages();
  if (pos !== ints.length) throw damaged('unexpected data at the end');
  return {
    source,
    size: names.length,
    byName,
    byLower,
    byUnconfused,
    bySquash,
    byShortenedSquash,
    byFlatScoped,
    byBareScoped,
    scopes,
    scopeBySquash,
    scopeIndex,
    unscoped: (id) => packageAt(unscopedIds[id]),
    unscopedIndex,
    affixUnscoped,
    affixBareScoped,
    affixWithoutLast,
  };
}
