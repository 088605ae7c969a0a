import { boundedDistance } from './candidates';

/**
 * Finds the names of a fixed list within a small edit distance of a query without
 * comparing the query with every name.
 *
 * Each name is indexed by its padded trigrams. k edits (insertions, deletions,
 * substitutions or adjacent swaps) destroy at most 4k of the query's distinct trigrams,
 * so a name within distance k shares at least (distinct trigrams - 4k) of them. Counting
 * shared trigrams over the posting lists leaves a handful of names for the exact,
 * early-exit distance check. Posting lists are sorted by name length so that only the
 * names of a possible length are counted. Queries too short for the bound scan the few
 * names of a similar length instead.
 */
export class NameIndex {
  readonly names: string[];
  /**
   * The postings in flat arrays (what toCompact() writes and the constructor reads back
   * without computing anything): the distinct trigrams in ascending order, the start of
   * each one's list in `ids` (one more entry for the end), and the lists themselves,
   * each ordered by name length. A binary search finds a trigram: no Map to fill when
   * the index is loaded, which for the bundled list was ~15,000 inserts at start.
   */
  private readonly grams: Int32Array;
  private readonly starts: Int32Array;
  private readonly ids: Int32Array;
  private readonly lengths: Uint16Array;
  /** Ids ordered by name length (stable), and where each length starts in that order. */
  private readonly byLength: Int32Array;
  private readonly lengthStarts: Int32Array;
  /** Scratch counters for one query (the index serves one caller at a time). */
  private readonly counts: Uint16Array;
  /**
   * Distance rows for one query, kept: a typed array of this size lives outside the heap,
   * and one per query (thousands per scan) was most of what the index allocated.
   */
  private scratch?: Int32Array;

  /**
   * `compact`: what toCompact() wrote for the same names (at build time, for the bundled
   * list), so that loading skips computing every name's trigrams.
   */
  constructor(names: string[], compact?: Int32Array) {
    this.names = names;
    this.lengths = new Uint16Array(names.length);
    this.counts = new Uint16Array(names.length);
    // Counting sort by length: the same order as a stable sort of the ids by length.
    let maxLength = 0;
    for (let id = 0; id < names.length; id++) {
      this.lengths[id] = names[id].length;
      if (names[id].length > maxLength) maxLength = names[id].length;
    }
    this.lengthStarts = new Int32Array(maxLength + 2);
    for (let id = 0; id < names.length; id++) this.lengthStarts[this.lengths[id] + 1]++;
    for (let len = 1; len < this.lengthStarts.length; len++) this.lengthStarts[len] += this.lengthStarts[len - 1];
    this.byLength = new Int32Array(names.length);
    const next = this.lengthStarts.slice(0, maxLength + 1);
    for (let id = 0; id < names.length; id++) this.byLength[next[this.lengths[id]]++] = id;
    if (compact) {
      // [count, grams..., starts (count + 1)..., ids...]; views of the one buffer.
      const count = compact[0];
      this.grams = compact.subarray(1, 1 + count);
      this.starts = compact.subarray(1 + count, 2 + 2 * count);
      this.ids = compact.subarray(2 + 2 * count, 2 + 2 * count + this.starts[count]);
      return;
    }
    const lists = new Map<number, number[]>();
    for (const id of this.byLength) {
      for (const g of distinctTrigrams(names[id])) {
        const list = lists.get(g);
        if (list) list.push(id);
        else lists.set(g, [id]);
      }
    }
    const grams = [...lists.keys()].sort((a, b) => a - b);
    this.grams = Int32Array.from(grams);
    this.starts = new Int32Array(grams.length + 1);
    let total = 0;
    for (let i = 0; i < grams.length; i++) {
      this.starts[i] = total;
      total += lists.get(grams[i])!.length;
    }
    this.starts[grams.length] = total;
    this.ids = new Int32Array(total);
    for (let i = 0; i < grams.length; i++) this.ids.set(lists.get(grams[i])!, this.starts[i]);
  }

  /** The postings in one array, for `new NameIndex(names, compact)`. */
  toCompact(): Int32Array {
    const count = this.grams.length;
    const out = new Int32Array(2 + 2 * count + this.ids.length);
    out[0] = count;
    out.set(this.grams, 1);
    out.set(this.starts, 1 + count);
    out.set(this.ids, 2 + 2 * count);
    return out;
  }

  /** Ids of the names within `max` edits of `query` (excluding an identical name), with distances. */
  within(query: string, max: number): { id: number; distance: number }[] {
    const out: { id: number; distance: number }[] = [];
    const minLen = query.length - max;
    const maxLen = query.length + max;
    // npm names are at most 214 characters; longer ones (attacker input) get their own buffer.
    const scratch = (this.scratch ??= new Int32Array(3 * (215 + 2 + 1)));
    const consider = (id: number) => {
      const name = this.names[id];
      if (name === query) return;
      const distance = boundedDistance(query, name, max, scratch);
      if (distance <= max) out.push({ id, distance });
    };
    const grams = distinctTrigrams(query);
    const needed = grams.length - 4 * max;
    if (needed <= 0) {
      const { byLength, lengthStarts } = this;
      const last = lengthStarts.length - 2;
      for (let len = Math.max(0, minLen); len <= Math.min(maxLen, last); len++) {
        for (let i = lengthStarts[len]; i < lengthStarts[len + 1]; i++) consider(byLength[i]);
      }
      return out;
    }
    const touched: number[] = [];
    const { counts, lengths, ids } = this;
    for (const g of grams) {
      const at = this.gramAt(g);
      if (at < 0) continue;
      const end = this.starts[at + 1];
      for (let i = this.firstOfLength(this.starts[at], end, minLen); i < end; i++) {
        const id = ids[i];
        if (lengths[id] > maxLen) break;
        if (counts[id] === 0) touched.push(id);
        counts[id]++;
      }
    }
    for (const id of touched) {
      if (counts[id] >= needed) consider(id);
      counts[id] = 0;
    }
    return out;
  }

  /** Position of a trigram in `grams`, or -1. */
  private gramAt(g: number): number {
    const { grams } = this;
    let lo = 0;
    let hi = grams.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (grams[mid] < g) lo = mid + 1;
      else hi = mid;
    }
    return lo < grams.length && grams[lo] === g ? lo : -1;
  }

  /** Index of the first id in ids[from, to) (ordered by length) whose name is at least `len` long. */
  private firstOfLength(from: number, to: number, len: number): number {
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lengths[this.ids[mid]] < len) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The distinct trigrams of the name padded with two start and two end marks, each packed
 * into one number (three UTF-16 units fit a double exactly): numeric keys hash faster
 * than three-letter strings and allocate nothing.
 */
function distinctTrigrams(name: string): number[] {
  // The name padded with two start (1) and two end (2) marks, read three codes at a time.
  const n = name.length + 4;
  const code = (i: number) => (i < 2 ? 1 : i >= n - 2 ? 2 : name.charCodeAt(i - 2) & 0x3ff);
  const out: number[] = [];
  let a = code(0);
  let b = code(1);
  for (let i = 2; i < n; i++) {
    const c = code(i);
    // Three 10-bit codes in one small integer: V8 keeps it unboxed, so the Map of postings
    // is several times faster to build than with 48-bit keys. npm names are ASCII; a wider
    // character only shares a key with another (the index is a filter; distances decide).
    const g = (a << 20) | (b << 10) | c;
    if (!out.includes(g)) out.push(g);
    a = b;
    b = c;
  }
  return out;
}
