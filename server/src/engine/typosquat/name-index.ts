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
  /** Trigram -> ids of the names that contain it, ordered by name length. */
  private readonly postings = new Map<number, Int32Array>();
  private readonly lengths: Uint16Array;
  private readonly byLength: number[][] = [];
  /** Scratch counters for one query (the index serves one caller at a time). */
  private readonly counts: Uint16Array;

  /**
   * `compact`: the postings as toCompact() wrote them (at build time, for the bundled
   * list), so that loading skips computing every name's trigrams.
   */
  constructor(names: string[], compact?: Int32Array) {
    this.names = names;
    this.lengths = new Uint16Array(names.length);
    this.counts = new Uint16Array(names.length);
    const order = names.map((_, id) => id).sort((a, b) => names[a].length - names[b].length);
    for (const id of order) {
      this.lengths[id] = names[id].length;
      (this.byLength[names[id].length] ??= []).push(id);
    }
    if (compact) {
      // [gram, count, ids...] repeated; subarrays share the one buffer.
      for (let i = 0; i < compact.length; i += 2 + compact[i + 1]) this.postings.set(compact[i], compact.subarray(i + 2, i + 2 + compact[i + 1]));
      return;
    }
    const lists = new Map<number, number[]>();
    for (const id of order) {
      for (const g of distinctTrigrams(names[id])) {
        const list = lists.get(g);
        if (list) list.push(id);
        else lists.set(g, [id]);
      }
    }
    for (const [g, list] of lists) this.postings.set(g, new Int32Array(list));
  }

  /** The postings in one array, for `new NameIndex(names, compact)`. */
  toCompact(): Int32Array {
    let size = 0;
    for (const list of this.postings.values()) size += 2 + list.length;
    const out = new Int32Array(size);
    let i = 0;
    for (const [g, list] of this.postings) {
      out[i] = g;
      out[i + 1] = list.length;
      out.set(list, i + 2);
      i += 2 + list.length;
    }
    return out;
  }

  /** Ids of the names within `max` edits of `query` (excluding an identical name), with distances. */
  within(query: string, max: number): { id: number; distance: number }[] {
    const out: { id: number; distance: number }[] = [];
    const minLen = query.length - max;
    const maxLen = query.length + max;
    // npm names are at most 214 characters; longer ones (attacker input) get their own buffer.
    const scratch = new Int32Array(3 * (215 + max + 1));
    const consider = (id: number) => {
      const name = this.names[id];
      if (name === query) return;
      const distance = boundedDistance(query, name, max, scratch);
      if (distance <= max) out.push({ id, distance });
    };
    const grams = distinctTrigrams(query);
    const needed = grams.length - 4 * max;
    if (needed <= 0) {
      for (let len = Math.max(0, minLen); len <= maxLen; len++) for (const id of this.byLength[len] ?? []) consider(id);
      return out;
    }
    const touched: number[] = [];
    const { counts, lengths } = this;
    for (const g of grams) {
      const list = this.postings.get(g);
      if (!list) continue;
      for (let i = this.firstOfLength(list, minLen); i < list.length; i++) {
        const id = list[i];
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

  /** Index of the first id in a length-ordered list whose name is at least `len` long. */
  private firstOfLength(list: Int32Array, len: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lengths[list[mid]] < len) lo = mid + 1;
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
