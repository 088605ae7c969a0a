/**
 * Memory + disk cache for registry and advisory data.
 *
 * On disk, one append-only store per kind: `<dir>/<kind>.store`, one entry per line,
 *
 *   {"f":2,"k":key,"t":storedAt,"n":valueBytes,"e":etag,"m":lastModified}<TAB>valueJson<LF>
 *
 * A scan used to open one file per package per kind (about 5,800 opens for theia, all of
 * them misses on a cold cache). Now a process reads each store once, on its first lookup
 * of that kind, and keeps an index of key -> where its value is in the file (the file stays
 * open); a value is read and parsed only when asked for. A cold cache costs one failed open
 * per kind.
 *
 * Memory: the index holds offsets, never the file's bytes (the language server used to
 * keep a whole store, up to its 256 MiB bound, for as long as one key of it had not been
 * asked for). Values asked for are kept in memory up to `maxMemoryBytes` (their size in the
 * store), least recently used dropped first; an entry is dropped only once the store holds
 * it, so it is read back from disk, never fetched again.
 *
 * Writes append whole lines with one write() call (O_APPEND), so two processes writing
 * the same store (two CLIs, a CLI and the server) never interleave inside a line, and the
 * later line for a key wins: last writer wins per entry. A line is checked on reading
 * (header fields, the value's byte count, JSON that parses): a torn, truncated or garbage
 * line reads as a miss, never as an error. The store is rewritten (temp file + rename)
 * when it holds more superseded bytes than live ones, or passes its size bound; the
 * rewrite keeps the newest entries up to three quarters of the bound and drops entries
 * older than MAX_AGE_MS.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export type CacheKind = 'packument' | 'packument-gone' | 'advisory-query' | 'advisory-record' | 'malware-feed' | 'audit';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** How long an entry is used without asking the network again. */
export const DEFAULT_TTL_MS: Record<CacheKind, number> = {
  // Packuments change when something is published; an ETag makes revalidation cheap.
  packument: 6 * HOUR,
  // A takedown answer may be a registry hiccup: ask again sooner.
  'packument-gone': 1 * HOUR,
  'advisory-query': 6 * HOUR,
  'advisory-record': 24 * HOUR,
  // Malware lists grow by the hour during an incident; an ETag makes asking cheap.
  'malware-feed': 1 * HOUR,
  // Audit results are keyed by the tarball's sha512 and the checks' version: the bytes
  // never change under one key, so the entry stays good until the store ages it out.
  audit: 30 * DAY,
};

const KINDS = Object.keys(DEFAULT_TTL_MS) as CacheKind[];

const FORMAT_VERSION = 2;

/** A store larger than this is compacted down to three quarters of it. */
export const DEFAULT_MAX_STORE_BYTES = 256 * 1024 * 1024;
/** Entries not stored or revalidated for this long are dropped when a store is compacted. */
export const MAX_AGE_MS = 30 * DAY;
/**
 * A store file bigger than this is not read at all (the cache folder is outside the
 * workspace, but its bytes are still treated as untrusted): it reads as empty and is
 * replaced on the next write.
 */
const MAX_READ_BYTES = 1024 * 1024 * 1024;
/** How often a miss may look whether another process appended to a store. */
const RECHECK_MS = 1000;
/**
 * A store is indexed this many bytes at a time (a longer line is read whole). The index pass
 * reads the whole store anyway: a larger chunk costs a larger passing buffer, not more I/O,
 * and a cache of up to this size is then read with one read (see StoreFile.recent).
 */
const INDEX_CHUNK_BYTES = 16 * 1024 * 1024;
/** Values kept in memory by default, by their size in the store. */
export const DEFAULT_MAX_MEMORY_BYTES = 64 * 1024 * 1024;

export interface CacheValidators {
  etag?: string;
  lastModified?: string;
}

export interface CacheEntry<T = unknown> extends CacheValidators {
  kind: CacheKind;
  key: string;
  /** When the value was fetched or last revalidated (ms since epoch). */
  storedAt: number;
  value: T;
}

export interface CacheOptions {
  ttlMs?: Partial<Record<CacheKind, number>>;
  now?: () => number;
  /** Size bound of one kind's store file (default 256 MiB). */
  maxStoreBytes?: number;
  /**
   * Values kept in memory, by their size in the store (default 64 MiB); entries the store
   * holds are dropped beyond it, least recently used first. A memory-only cache keeps all.
   */
  maxMemoryBytes?: number;
}

/**
 * One store file as opened (one inode): slots point into it by offset, and it stays open
 * while they do. Closed when nothing refers to it any more (a newer file replaced it, or
 * the cache was dropped).
 */
interface StoreFile {
  handle: fs.FileHandle;
  /**
   * The last bytes the index pass read, kept for the turn of the event loop after it: the
   * values asked for right after the store is opened (a warm scan asks for all of its
   * entries then) are taken from them instead of being read again. A store that fits in one
   * index chunk is read once in all.
   */
  recent?: { start: number; bytes: Buffer };
}

const openFiles = new FinalizationRegistry<fs.FileHandle>((handle) => void handle.close().catch(() => undefined));

/** Where an entry's line sits in a store file. */
interface Slot {
  storedAt: number;
  etag?: string;
  lastModified?: string;
  file: StoreFile;
  /** Value JSON: bytes [start, end) of the file. */
  start: number;
  end: number;
}

/** One kind's store as this process has read it. */
interface Store {
  index: Map<string, Slot>;
  /** Bytes of the file already indexed (always the end of a whole line). */
  size: number;
  ino: number;
  /** Bytes of lines that were superseded or unreadable: what a compaction would free. */
  deadBytes: number;
  lastCheck: number;
  /** The file the index points into. */
  file?: StoreFile;
}

export class DataCache {
  /** Undefined for a memory-only cache. */
  readonly dir: string | undefined;
  private readonly ttl: Record<CacheKind, number>;
  private readonly now: () => number;
  private readonly maxStoreBytes: number;
  private readonly maxMemoryBytes: number;
  /** Entries in memory, least recently used first, with their size in the store. */
  private memory = new Map<string, CacheEntry>();
  private memorySizes = new Map<string, number>();
  /** Kinds of which an entry was ever held in memory (since the last clear): see mayHold. */
  private kindsHeld = new Set<CacheKind>();
  private memoryBytes = 0;
  private stores = new Map<CacheKind, Promise<Store>>();
  /** The stores once read (for the synchronous "is it on disk" check of eviction). */
  private readStores = new Map<CacheKind, Store>();
  /** Lines waiting for the next append, per kind, and the promise that append settles. */
  private pending = new Map<CacheKind, { lines: string[]; done: Promise<void> }>();
  /** Appends and compactions of one kind run one after the other within this process. */
  private writing = new Map<CacheKind, Promise<void>>();
  /** Values computed from an entry (derived()), dropped with the entry. */
  private derivedValues = new WeakMap<CacheEntry, Map<(value: never) => unknown, unknown>>();

  constructor(dir?: string, options: CacheOptions = {}) {
    this.dir = dir;
    this.ttl = { ...DEFAULT_TTL_MS, ...options.ttlMs };
    this.now = options.now ?? Date.now;
    this.maxStoreBytes = options.maxStoreBytes ?? DEFAULT_MAX_STORE_BYTES;
    this.maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  }

  /** Bytes (their size in the store) of the values held in memory. */
  get bytesInMemory(): number {
    return this.memoryBytes;
  }

  isFresh(entry: CacheEntry): boolean {
    const age = this.now() - entry.storedAt;
    return age >= 0 && age < this.ttl[entry.kind];
  }

  async get<T>(kind: CacheKind, key: string): Promise<CacheEntry<T> | undefined> {
    const id = memoryKey(kind, key);
    const hit = this.memory.get(id);
    if (hit) {
      this.remember(id, hit, this.memorySizes.get(id) ?? 0); // now the most recently used
      return hit as CacheEntry<T>;
    }
    if (!this.dir) return undefined;
    const store = await this.store(kind);
    let slot = store.index.get(key);
    if (!slot && Date.now() - store.lastCheck >= RECHECK_MS) {
      await this.readAppended(kind, store);
      slot = store.index.get(key);
    }
    if (!slot) return undefined;
    const entry = await readEntry(kind, key, slot);
    // Asked for twice at once: both get the same entry.
    const raced = this.memory.get(id);
    if (raced) return raced as CacheEntry<T>;
    if (!entry) {
      // A line whose value does not parse is a miss; the next compaction drops it.
      if (store.index.get(key) === slot) {
        store.index.delete(key);
        store.deadBytes += slot.end - slot.start;
      }
      return undefined;
    }
    this.remember(id, entry, slot.end - slot.start);
    return entry as CacheEntry<T>;
  }

  /**
   * False when the cache certainly holds no entry of this kind, in memory or in its store:
   * a cold `scan --offline` then answers thousands of lookups at once instead of asking the
   * cache for each (a third of that scan's time went to lookups that could only miss).
   */
  async mayHold(kind: CacheKind): Promise<boolean> {
    if (this.kindsHeld.has(kind)) return true;
    if (!this.dir) return false;
    return (await this.store(kind)).index.size > 0;
  }

  async put<T>(kind: CacheKind, key: string, value: T, validators: CacheValidators = {}): Promise<CacheEntry<T>> {
    const entry: CacheEntry<T> = { kind, key, storedAt: this.now(), value };
    if (validators.etag) entry.etag = validators.etag;
    if (validators.lastModified) entry.lastModified = validators.lastModified;
    const line = this.persist(entry);
    this.remember(memoryKey(kind, key), entry, line.bytes);
    await line.done;
    return entry;
  }

  /**
   * A value computed from an entry's value once and kept as long as the entry: e.g. a
   * malware feed of 200k names turned into a Map for every scan that reads it.
   */
  derived<T, U>(entry: CacheEntry<T>, compute: (value: T) => U): U {
    let values = this.derivedValues.get(entry);
    if (!values) this.derivedValues.set(entry, (values = new Map()));
    if (values.has(compute)) return values.get(compute) as U;
    const value = compute(entry.value);
    values.set(compute, value);
    return value;
  }

  /** The network confirmed the entry (304): it is fresh again. */
  async touch(entry: CacheEntry, validators: CacheValidators = {}): Promise<void> {
    entry.storedAt = this.now();
    if (validators.etag) entry.etag = validators.etag;
    if (validators.lastModified) entry.lastModified = validators.lastModified;
    await this.persist(entry).done;
  }

  /** Removes every entry (the "Clear Cache" command). */
  async clear(): Promise<void> {
    this.memory.clear();
    this.memorySizes.clear();
    this.kindsHeld.clear();
    this.memoryBytes = 0;
    this.stores.clear();
    this.readStores.clear();
    if (!this.dir) return;
    await Promise.all([...this.writing.values()]);
    for (const kind of KINDS) {
      await fs.rm(this.storeFile(kind), { force: true }).catch(() => undefined);
      // The per-entry folders of format 1.
      await fs.rm(path.join(this.dir, kind), { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Keeps the entry in memory as the most recently used, then drops the least recently used ones the store holds while over the bound. */
  private remember(id: string, entry: CacheEntry, bytes: number): void {
    this.memoryBytes -= this.memorySizes.get(id) ?? 0;
    this.memory.delete(id);
    this.memory.set(id, entry);
    this.memorySizes.set(id, bytes);
    this.memoryBytes += bytes;
    this.kindsHeld.add(entry.kind);
    if (this.memoryBytes <= this.maxMemoryBytes || !this.dir) return;
    for (const [oldId, old] of this.memory) {
      if (this.memoryBytes <= this.maxMemoryBytes || old === entry) break;
      if (!this.onDisk(old)) continue; // not written (or not indexed) yet: kept
      this.memoryBytes -= this.memorySizes.get(oldId) ?? 0;
      this.memory.delete(oldId);
      this.memorySizes.delete(oldId);
    }
  }

  /** The store holds this very entry (same time and validators): it can be read back instead of kept. */
  private onDisk(entry: CacheEntry): boolean {
    const slot = this.readStores.get(entry.kind)?.index.get(entry.key);
    return !!slot && slot.storedAt === entry.storedAt && slot.etag === entry.etag && slot.lastModified === entry.lastModified;
  }

  storeFile(kind: CacheKind): string {
    return path.join(this.dir ?? '', `${kind}.store`);
  }

  /** Read once per process: later misses only look at what other processes appended. */
  private store(kind: CacheKind): Promise<Store> {
    let store = this.stores.get(kind);
    if (!store) {
      store = this.readStore(kind);
      this.stores.set(kind, store);
    }
    return store;
  }

  private async readStore(kind: CacheKind): Promise<Store> {
    const store: Store = { index: new Map(), size: 0, ino: -1, deadBytes: 0, lastCheck: Date.now() };
    await this.readAppended(kind, store);
    if (store.ino === -1) await this.migrateLegacy(kind, store);
    this.readStores.set(kind, store);
    return store;
  }

  /**
   * Format 1 kept one file per entry in `<dir>/<kind>/`. The first process without a store
   * moves them into one (a single pass, once), then removes the folder. A cold cache pays
   * one failed readdir per kind for this.
   */
  private async migrateLegacy(kind: CacheKind, store: Store): Promise<void> {
    const folder = path.join(this.dir!, kind);
    let names: string[];
    try {
      names = await fs.readdir(folder);
    } catch {
      return;
    }
    const lines: string[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        const d = JSON.parse(await fs.readFile(path.join(folder, name), 'utf8')) as Record<string, unknown>;
        if (d.format !== 1 || d.kind !== kind || typeof d.key !== 'string' || typeof d.storedAt !== 'number' || !('value' in d)) continue;
        lines.push(lineOf({ kind, key: d.key, storedAt: d.storedAt, value: d.value, etag: typeof d.etag === 'string' ? d.etag : undefined, lastModified: typeof d.lastModified === 'string' ? d.lastModified : undefined }));
      } catch {
        // A corrupt entry is simply not carried over.
      }
    }
    // No compaction check here: it would wait for this very store to finish loading.
    if (lines.length) await this.serialized(kind, () => this.append(kind, lines, false));
    await fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
    await this.readAppended(kind, store);
  }

  /**
   * Indexes what was appended to the store since this process last read it (all of it the
   * first time), a chunk at a time: only offsets are kept.
   */
  private async readAppended(kind: CacheKind, store: Store): Promise<void> {
    store.lastCheck = Date.now();
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.storeFile(kind), 'r');
    } catch {
      return; // No store yet (or no cache folder): every lookup of this kind is a miss.
    }
    let keep = false;
    try {
      const stat = await handle.stat();
      if (!stat.isFile() || stat.size > MAX_READ_BYTES) return;
      if (stat.ino !== store.ino || stat.size < store.size || !store.file) {
        // New, or replaced by a compaction (ours or another process's): start over. Slots
        // of the old file are dropped with the index; it is closed once none is in use.
        store.index.clear();
        store.size = 0;
        store.deadBytes = 0;
        store.ino = stat.ino;
        store.file = { handle };
        openFiles.register(store.file, handle);
        keep = true;
      }
      const file = store.file;
      let buf = Buffer.allocUnsafe(Math.min(INDEX_CHUNK_BYTES, stat.size - store.size));
      let last: { start: number; bytes: Buffer } | undefined;
      while (store.size < stat.size) {
        const want = Math.min(buf.length, stat.size - store.size);
        const { bytesRead } = await file.handle.read(buf, 0, want, store.size);
        if (bytesRead === 0) break;
        last = { start: store.size, bytes: buf.subarray(0, bytesRead) };
        const consumed = indexLines(buf.subarray(0, bytesRead), store.size, file, store);
        // A line longer than the chunk: read it again with room for all of it.
        if (consumed === 0 && bytesRead === buf.length) buf = Buffer.allocUnsafe(buf.length * 2);
        else if (consumed === 0) break; // a partial line at the end: left for the next read
        store.size += consumed;
      }
      // Only the last chunk: the buffer is read into again for each chunk before it.
      if (last) keepForValueReads(file, last.start, last.bytes);
    } catch {
      // Unreadable right now: what is indexed stays usable.
    } finally {
      if (!keep) await handle.close().catch(() => undefined);
    }
  }

  /** Appends the entry's line with the others queued in the same turn of the event loop; `bytes` is the value's size in the store. */
  private persist(entry: CacheEntry): { bytes: number; done: Promise<void> } {
    const line = lineOf(entry);
    const bytes = line.length;
    if (!this.dir) return { bytes, done: Promise.resolve() };
    const queued = this.pending.get(entry.kind);
    if (queued) {
      queued.lines.push(line);
      return { bytes, done: queued.done };
    }
    const lines = [line];
    const kind = entry.kind;
    const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.pending.delete(kind);
      return this.serialized(kind, () => this.append(kind, lines));
    });
    this.pending.set(kind, { lines, done });
    return { bytes, done };
  }

  private serialized(kind: CacheKind, work: () => Promise<void>): Promise<void> {
    const next = (this.writing.get(kind) ?? Promise.resolve()).then(work, work);
    this.writing.set(kind, next);
    return next;
  }

  private async append(kind: CacheKind, lines: string[], mayCompact = true): Promise<void> {
    const file = this.storeFile(kind);
    // A leading newline ends a line torn by a crash, so that it cannot swallow this batch's
    // first line; the empty lines it leaves cost nothing.
    const data = Buffer.from('\n' + lines.join(''));
    let size = 0;
    try {
      await fs.mkdir(this.dir!, { recursive: true });
      const handle = await fs.open(file, 'a');
      try {
        // One write() for the whole batch: O_APPEND places it atomically at the end, so
        // another process's lines land before or after it, never inside it.
        let written = 0;
        while (written < data.length) written += (await handle.write(data, written)).bytesWritten;
        size = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    } catch {
      // The disk cache is an optimisation: a read-only or full disk must not fail a scan.
      return;
    }
    if (!mayCompact) return;
    // Index what was just written, so that these entries can leave memory (read back from
    // disk when asked for again).
    const store = await this.store(kind);
    await this.readAppended(kind, store);
    const wasted = store ? store.deadBytes > store.size - store.deadBytes && store.size > 1024 * 1024 : false;
    if (size > this.maxStoreBytes || wasted) await this.compact(kind);
  }

  /**
   * Rewrites the store with its newest line per key (temp file + rename). Lines another
   * process appends to the old file while this runs are copied over after the rename.
   */
  private async compact(kind: CacheKind): Promise<void> {
    const file = this.storeFile(kind);
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(file, 'r');
      const stat = await handle.stat();
      const buf = stat.size > MAX_READ_BYTES ? Buffer.alloc(0) : Buffer.allocUnsafe(stat.size);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      const latest: Store = { index: new Map(), size: 0, ino: stat.ino, deadBytes: 0, lastCheck: 0 };
      indexLines(buf.subarray(0, bytesRead), 0, { handle }, latest);
      const now = this.now();
      const kept = [...latest.index.entries()]
        .filter(([, s]) => now - s.storedAt < MAX_AGE_MS)
        .sort((a, b) => b[1].storedAt - a[1].storedAt);
      const parts: Buffer[] = [];
      let total = 0;
      for (const [key, slot] of kept) {
        const line = Buffer.concat([Buffer.from(`${JSON.stringify(headerOf(key, slot))}\t`), buf.subarray(slot.start, slot.end), NEWLINE]);
        if (total + line.length > (this.maxStoreBytes * 3) / 4) break;
        total += line.length;
        parts.push(line);
      }
      // Oldest first, so that reading in order lets the newest line of a key win.
      await fs.writeFile(temp, Buffer.concat(parts.reverse()));
      await fs.rename(temp, file);
      const raced = Buffer.allocUnsafe(Math.max(0, Math.min((await handle.stat()).size, MAX_READ_BYTES) - bytesRead));
      if (raced.length) {
        const tail = await handle.read(raced, 0, raced.length, bytesRead);
        await fs.appendFile(file, raced.subarray(0, tail.bytesRead));
      }
    } catch {
      await fs.unlink(temp).catch(() => undefined);
    } finally {
      await handle?.close().catch(() => undefined);
    }
    // The index this process holds points into buffers it read earlier, and stays valid;
    // the next miss re-reads the new file.
    const store = await this.stores.get(kind);
    if (store) store.ino = -1;
  }
}

const NEWLINE = Buffer.from('\n');

function memoryKey(kind: CacheKind, key: string): string {
  return `${kind}\0${key}`;
}

/**
 * A value that gives its own JSON (what JSON.stringify would give of it): a packument whose
 * stored form was serialised already, off the main thread (packument-decoder.ts).
 */
export interface SelfSerialized {
  cacheJson(): string;
}

/** The entry's store line; the value is serialised now, so later changes to it are not written. */
function lineOf(entry: CacheEntry): string {
  const v = entry.value as Partial<SelfSerialized> | null | undefined;
  const value = (v && typeof v === 'object' && typeof v.cacheJson === 'function' ? v.cacheJson() : JSON.stringify(entry.value)) ?? 'null';
  const header: Record<string, unknown> = { f: FORMAT_VERSION, k: entry.key, t: entry.storedAt, n: Buffer.byteLength(value) };
  if (entry.etag) header.e = entry.etag;
  if (entry.lastModified) header.m = entry.lastModified;
  return `${JSON.stringify(header)}\t${value}\n`;
}

function headerOf(key: string, slot: Slot): Record<string, unknown> {
  const h: Record<string, unknown> = { f: FORMAT_VERSION, k: key, t: slot.storedAt, n: slot.end - slot.start };
  if (slot.etag) h.e = slot.etag;
  if (slot.lastModified) h.m = slot.lastModified;
  return h;
}

/**
 * Indexes the whole lines of `buf`, read from `file` at offset `base`, into `store` (a
 * later line for a key replaces the earlier one) and returns the bytes consumed: a
 * trailing partial line (a write still in progress, or a torn one) is left for the next read.
 */
function indexLines(buf: Buffer, base: number, file: StoreFile, store: Store): number {
  let pos = 0;
  while (pos < buf.length) {
    const eol = buf.indexOf(10, pos);
    if (eol < 0) break;
    if (eol === pos) {
      pos++;
      continue;
    }
    const slot = parseLine(buf, pos, eol, base, file);
    if (slot) {
      const previous = store.index.get(slot.key);
      if (previous) store.deadBytes += previous.end - previous.start;
      store.index.set(slot.key, slot.slot);
    } else {
      store.deadBytes += eol + 1 - pos;
    }
    pos = eol + 1;
  }
  return pos;
}

function parseLine(buf: Buffer, start: number, eol: number, base: number, file: StoreFile): { key: string; slot: Slot } | undefined {
  const tab = buf.indexOf(9, start);
  if (tab < 0 || tab > eol) return undefined;
  let h: unknown;
  try {
    h = JSON.parse(buf.toString('utf8', start, tab));
  } catch {
    return undefined;
  }
  if (!h || typeof h !== 'object') return undefined;
  const { f, k, t, n, e, m } = h as Record<string, unknown>;
  if (f !== FORMAT_VERSION || typeof k !== 'string' || typeof t !== 'number' || !Number.isFinite(t)) return undefined;
  // The byte count catches a line glued to a torn one, or cut short.
  if (n !== eol - (tab + 1)) return undefined;
  const slot: Slot = { storedAt: t, file, start: base + tab + 1, end: base + eol };
  if (typeof e === 'string') slot.etag = e;
  if (typeof m === 'string') slot.lastModified = m;
  return { key: k, slot };
}

/** The entry a slot points at, read from its file; undefined when it cannot be read or does not parse. */
async function readEntry(kind: CacheKind, key: string, slot: Slot): Promise<CacheEntry | undefined> {
  let value: unknown;
  try {
    const bytes = await readSlot(slot);
    if (!bytes) return undefined;
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const entry: CacheEntry = { kind, key, storedAt: slot.storedAt, value };
  if (slot.etag) entry.etag = slot.etag;
  if (slot.lastModified) entry.lastModified = slot.lastModified;
  return entry;
}

/**
 * Values asked for in the same turn of the event loop are read together: per store file,
 * their slots sorted by offset, and neighbours (at most READ_GAP_BYTES apart, at most
 * READ_RUN_BYTES in all) read with one pread. A warm scan asks for thousands of entries at
 * once, and they mostly sit side by side, in the order they were fetched: theia's warm
 * scan made 3,957 reads (each a trip through libuv's thread pool and back), now a handful.
 * Runs are read one after another, so at most one run's bytes are held at a time.
 */
const READ_GAP_BYTES = 64 * 1024;

/** Keeps an index chunk (StoreFile.recent) until the turn after the reads queued now have run. */
function keepForValueReads(file: StoreFile, start: number, bytes: Buffer): void {
  const recent = { start, bytes };
  file.recent = recent;
  // Reads queued by the lookups this store's opening wakes run in the next check phase
  // (readSlot's setImmediate); released in the one after.
  setImmediate(() =>
    setImmediate(() => {
      if (file.recent === recent) file.recent = undefined;
    }),
  );
}
const READ_RUN_BYTES = 8 * 1024 * 1024;

interface SlotRead {
  slot: Slot;
  done: (bytes: Buffer | undefined) => void;
}

let queuedReads: SlotRead[] = [];

function readSlot(slot: Slot): Promise<Buffer | undefined> {
  return new Promise((done) => {
    if (queuedReads.push({ slot, done }) === 1) setImmediate(() => void readQueued());
  });
}

async function readQueued(): Promise<void> {
  const batch = queuedReads;
  queuedReads = [];
  const byFile = new Map<StoreFile, SlotRead[]>();
  for (const r of batch) {
    const list = byFile.get(r.slot.file);
    if (list) list.push(r);
    else byFile.set(r.slot.file, [r]);
  }
  for (const [file, reads] of byFile) {
    reads.sort((a, b) => a.slot.start - b.slot.start);
    for (let i = 0; i < reads.length; ) {
      const start = reads[i].slot.start;
      let end = reads[i].slot.end;
      let j = i + 1;
      while (j < reads.length && reads[j].slot.start - end <= READ_GAP_BYTES && Math.max(end, reads[j].slot.end) - start <= READ_RUN_BYTES) {
        end = Math.max(end, reads[j].slot.end);
        j++;
      }
      const run = reads.slice(i, j);
      i = j;
      const recent = file.recent;
      if (recent && start >= recent.start && end <= recent.start + recent.bytes.length) {
        for (const r of run) r.done(recent.bytes.subarray(r.slot.start - recent.start, r.slot.end - recent.start));
        continue;
      }
      try {
        const buf = Buffer.allocUnsafe(end - start);
        const { bytesRead } = await file.handle.read(buf, 0, buf.length, start);
        for (const r of run) r.done(r.slot.end - start <= bytesRead ? buf.subarray(r.slot.start - start, r.slot.end - start) : undefined);
      } catch {
        for (const r of run) r.done(undefined);
      }
    }
  }
}

/** The platform cache folder (XDG on Linux, Library/Caches on macOS, LOCALAPPDATA on Windows). */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env, platform = process.platform, home = env.HOME ?? env.USERPROFILE ?? ''): string {
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'depwarden', 'Cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'depwarden');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'depwarden');
}

export function createCache(dir?: string, options?: CacheOptions): DataCache {
  return new DataCache(dir, options);
}
