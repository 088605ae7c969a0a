/**
 * Memory + disk cache for registry and advisory data.
 *
 * One JSON file per entry under `<dir>/<kind>/<sha256(key)>.json`, holding the key (so a
 * file is never served for the wrong key), the time it was stored, the HTTP validators
 * (ETag / Last-Modified) for revalidation, and the value. Writes go to a temporary file
 * that is renamed over the entry, so a reader never sees half a file; a file that does
 * not parse or does not match is deleted and treated as a miss.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export type CacheKind = 'packument' | 'packument-gone' | 'advisory-query' | 'advisory-record' | 'malware-feed';

const HOUR = 3600_000;

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
};

const FORMAT_VERSION = 1;

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
}

export class DataCache {
  /** Undefined for a memory-only cache. */
  readonly dir: string | undefined;
  private readonly ttl: Record<CacheKind, number>;
  private readonly now: () => number;
  private memory = new Map<string, CacheEntry>();
  private tempCounter = 0;

  constructor(dir?: string, options: CacheOptions = {}) {
    this.dir = dir;
    this.ttl = { ...DEFAULT_TTL_MS, ...options.ttlMs };
    this.now = options.now ?? Date.now;
  }

  isFresh(entry: CacheEntry): boolean {
    const age = this.now() - entry.storedAt;
    return age >= 0 && age < this.ttl[entry.kind];
  }

  async get<T>(kind: CacheKind, key: string): Promise<CacheEntry<T> | undefined> {
    const id = memoryKey(kind, key);
    const hit = this.memory.get(id);
    if (hit) return hit as CacheEntry<T>;
    if (!this.dir) return undefined;
    const file = this.fileOf(kind, key);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    const entry = parseEntry(text, kind, key);
    if (!entry) {
      // Corrupt, truncated or foreign: drop it so that it is fetched again.
      await fs.unlink(file).catch(() => undefined);
      return undefined;
    }
    this.memory.set(id, entry);
    return entry as CacheEntry<T>;
  }

  async put<T>(kind: CacheKind, key: string, value: T, validators: CacheValidators = {}): Promise<CacheEntry<T>> {
    const entry: CacheEntry<T> = { kind, key, storedAt: this.now(), value };
    if (validators.etag) entry.etag = validators.etag;
    if (validators.lastModified) entry.lastModified = validators.lastModified;
    this.memory.set(memoryKey(kind, key), entry);
    await this.persist(entry);
    return entry;
  }

  /** The network confirmed the entry (304): it is fresh again. */
  async touch(entry: CacheEntry, validators: CacheValidators = {}): Promise<void> {
    entry.storedAt = this.now();
    if (validators.etag) entry.etag = validators.etag;
    if (validators.lastModified) entry.lastModified = validators.lastModified;
    await this.persist(entry);
  }

  /** Removes every entry (the "Clear Cache" command). */
  async clear(): Promise<void> {
    this.memory.clear();
    if (!this.dir) return;
    for (const kind of Object.keys(DEFAULT_TTL_MS)) {
      await fs.rm(path.join(this.dir, kind), { recursive: true, force: true });
    }
  }

  fileOf(kind: CacheKind, key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return path.join(this.dir ?? '', kind, `${hash}.json`);
  }

  private async persist(entry: CacheEntry): Promise<void> {
    if (!this.dir) return;
    const file = this.fileOf(entry.kind, entry.key);
    const temp = `${file}.${process.pid}.${++this.tempCounter}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(temp, JSON.stringify({ format: FORMAT_VERSION, ...entry }));
      await fs.rename(temp, file);
    } catch {
      // The disk cache is an optimisation: a read-only or full disk must not fail a scan.
      await fs.unlink(temp).catch(() => undefined);
    }
  }
}

function memoryKey(kind: CacheKind, key: string): string {
  return `${kind}\0${key}`;
}

function parseEntry(text: string, kind: CacheKind, key: string): CacheEntry | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as Record<string, unknown>;
  if (d.format !== FORMAT_VERSION || d.kind !== kind || d.key !== key || typeof d.storedAt !== 'number' || !('value' in d)) return undefined;
  const entry: CacheEntry = { kind, key, storedAt: d.storedAt, value: d.value };
  if (typeof d.etag === 'string') entry.etag = d.etag;
  if (typeof d.lastModified === 'string') entry.lastModified = d.lastModified;
  return entry;
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
