/**
 * Reads an npm tarball (gzip + tar) in memory, without extracting anything to disk.
 *
 * Why a hand-written ustar reader rather than `tar` or `tar-stream`: the audit's analysis
 * is synchronous (the editor calls it after the download), the archive is already one
 * buffer (its integrity is checked before any byte is read), and the reader needs only
 * what npm's packer writes: ustar headers, pax `path`/`size` records and GNU long names.
 * About 150 lines with every limit in one place, no dependency and nothing bundled,
 * against a streaming library whose limits we would still have to enforce around it.
 *
 * Every number in a header is attacker input: sizes are checked against what the buffer
 * holds and against the caps before anything is sliced, and the gzip stage stops at a
 * fixed output size (zlib's maxOutputLength) so a gzip bomb costs at most the cap.
 */
import { gunzipSync } from 'node:zlib';

export interface TarLimits {
  /** Largest tarball accepted, compressed. */
  maxCompressedBytes: number;
  /** Largest total size after gunzip (headers and padding included). */
  maxUnpackedBytes: number;
  /** Largest unpacked/compressed ratio (a gzip bomb's is in the thousands). */
  maxRatio: number;
  maxEntries: number;
  maxPathLength: number;
  /** A larger file is listed (name, size, first bytes) but its text is not scanned whole. */
  maxFileBytes: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = {
  maxCompressedBytes: 32 * 1024 * 1024,
  maxUnpackedBytes: 64 * 1024 * 1024,
  // Real packages: 3-10x (typescript ~4x, a tarball of source maps ~12x). Zero-filled bombs: 1000x.
  maxRatio: 100,
  maxEntries: 20_000,
  maxPathLength: 1024,
  maxFileBytes: 8 * 1024 * 1024,
};

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** The path inside the package: npm drops the first segment (`package/`), so do we. */
  path: string;
  /** The path as the archive wrote it (for evidence on odd entries). */
  rawPath: string;
  type: TarEntryType;
  size: number;
  /** File mode bits (for executables). */
  mode: number;
  /** Link target (symlink, hardlink). */
  linkTarget?: string;
  /** The file's bytes (files only), at most maxFileBytes of them. */
  data?: Uint8Array;
  /** True when data holds only the first maxFileBytes. */
  cut?: boolean;
}

/** Entries the archive contains that npm would not write where they say (a finding, never followed). */
export interface UnsafeEntry {
  rawPath: string;
  why: 'absolute path' | 'parent-directory segment' | 'link out of the package';
}

export interface TarContents {
  entries: TarEntry[];
  unsafe: UnsafeEntry[];
  compressedBytes: number;
  unpackedBytes: number;
}

/** Why an archive was refused; `kind` lets callers tell bombs from damage. */
export class TarError extends Error {
  constructor(
    readonly kind: 'too-large' | 'gzip-bomb' | 'too-many-entries' | 'path-too-long' | 'declared-size' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

const BLOCK = 512;

export function readTarball(gz: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): TarContents {
  if (gz.byteLength > limits.maxCompressedBytes) throw new TarError('too-large', `tarball is ${gz.byteLength} bytes, over the ${limits.maxCompressedBytes}-byte cap`);
  // Output capped by both the absolute cap and the ratio: zlib stops there, whatever the header claims.
  const cap = Math.min(limits.maxUnpackedBytes, Math.max(BLOCK * 4, gz.byteLength * limits.maxRatio));
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: cap + 1 });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      // Past the ratio: a bomb. Past the absolute cap at a plausible ratio: just too big to audit.
      if (cap < limits.maxUnpackedBytes) throw new TarError('gzip-bomb', `gzip bomb: ${gz.byteLength} bytes decompress past ${cap} bytes (ratio over ${limits.maxRatio})`);
      throw new TarError('too-large', `decompresses to more than ${cap} bytes (the audit's cap)`);
    }
    throw new TarError('malformed', `not a gzip stream (${code ?? (e as Error).message})`);
  }
  if (tar.byteLength > cap) throw new TarError(cap < limits.maxUnpackedBytes ? 'gzip-bomb' : 'too-large', `decompresses to more than ${cap} bytes`);
  return { ...readTar(tar, limits), compressedBytes: gz.byteLength, unpackedBytes: tar.byteLength };
}

export function readTar(tar: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): { entries: TarEntry[]; unsafe: UnsafeEntry[] } {
  const entries: TarEntry[] = [];
  const unsafe: UnsafeEntry[] = [];
  let offset = 0;
  // Pending overrides from a pax 'x' header or a GNU 'L'/'K' record, for the next entry only.
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  let paxLink: string | undefined;
  let headers = 0;
  while (offset + BLOCK <= tar.byteLength) {
    const h = tar.subarray(offset, offset + BLOCK);
    if (isZeroBlock(h)) break;
    if (++headers > limits.maxEntries * 2 + 2) throw new TarError('too-many-entries', `more than ${limits.maxEntries} entries`);
    if (!checksumOk(h)) throw new TarError('malformed', `bad header checksum at byte ${offset}`);
    const typeflag = String.fromCharCode(h[156] || 0x30);
    const meta = typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K';
    const declared = (meta ? undefined : paxSize) ?? readNumber(h, 124, 12);
    if (declared === undefined) throw new TarError('malformed', `unreadable size at byte ${offset}`);
    const dataStart = offset + BLOCK;
    if (declared > tar.byteLength - dataStart) {
      throw new TarError('declared-size', `entry declares ${declared} bytes, more than the archive holds (${Math.max(0, tar.byteLength - dataStart)})`);
    }
    const data = tar.subarray(dataStart, dataStart + declared);
    offset = dataStart + Math.ceil(declared / BLOCK) * BLOCK;

    if (typeflag === 'x' || typeflag === 'g') {
      if (typeflag === 'x') {
        const pax = parsePax(data, limits.maxPathLength);
        paxPath = pax.path ?? paxPath;
        paxSize = pax.size ?? paxSize;
        paxLink = pax.linkpath ?? paxLink;
      }
      continue;
    }
    if (typeflag === 'L' || typeflag === 'K') {
      if (declared > limits.maxPathLength + 1) throw new TarError('path-too-long', `a long name of ${declared} bytes (cap ${limits.maxPathLength})`);
      const name = cString(data, 0, declared);
      if (typeflag === 'L') paxPath = name;
      else paxLink = name;
      continue;
    }

    const ustar = cString(h, 257, 5) === 'ustar';
    const prefix = ustar ? cString(h, 345, 155) : '';
    const rawPath = paxPath ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
    const linkTarget = paxLink ?? cString(h, 157, 100);
    paxPath = paxSize = paxLink = undefined;
    if (rawPath.length > limits.maxPathLength) throw new TarError('path-too-long', `a path of ${rawPath.length} characters (cap ${limits.maxPathLength})`);
    if (entries.length >= limits.maxEntries) throw new TarError('too-many-entries', `more than ${limits.maxEntries} entries`);

    const type: TarEntryType =
      typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : typeflag === '2' ? 'symlink' : typeflag === '1' ? 'hardlink' : 'other';
    const entry: TarEntry = { path: stripFirstSegment(rawPath), rawPath, type, size: declared, mode: readNumber(h, 100, 8) ?? 0 };
    const why = unsafePath(rawPath);
    if (why) {
      // Listed as a finding; its bytes are not kept, so no check reads them as package code.
      unsafe.push({ rawPath, why });
      continue;
    }
    if (type === 'symlink' || type === 'hardlink') {
      entry.linkTarget = linkTarget;
      if (linkEscapes(entry.path, linkTarget)) unsafe.push({ rawPath, why: 'link out of the package' });
    }
    if (type === 'file') {
      entry.data = declared > limits.maxFileBytes ? data.subarray(0, limits.maxFileBytes) : data;
      if (declared > limits.maxFileBytes) entry.cut = true;
    }
    entries.push(entry);
  }
  return { entries, unsafe };
}

function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** The header's checksum: the sum of its bytes with the checksum field read as spaces. */
function checksumOk(h: Uint8Array): boolean {
  const stored = readNumber(h, 148, 8);
  if (stored === undefined) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === stored;
}

/** An octal field (NUL/space terminated), or GNU base-256 (high bit set) for big sizes. */
function readNumber(h: Uint8Array, at: number, len: number): number | undefined {
  if (h[at] & 0x80) {
    let n = 0;
    for (let i = at + 1; i < at + len; i++) n = n * 256 + h[i];
    // Past 2^53 a number stops being exact; no real entry is that big anyway.
    return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
  }
  let n = 0;
  let digits = 0;
  for (let i = at; i < at + len; i++) {
    const c = h[i];
    if (c === 0 || c === 0x20) {
      if (digits) break;
      continue;
    }
    if (c < 0x30 || c > 0x37) return undefined;
    n = n * 8 + (c - 0x30);
    digits++;
  }
  return n;
}

function cString(b: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && end < b.byteLength && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + at, end - at).toString('utf8');
}

/** pax records: "LEN key=value\n"; only path, linkpath and size matter here. */
function parsePax(data: Uint8Array, maxPath: number): { path?: string; size?: number; linkpath?: string } {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  const out: { path?: string; size?: number; linkpath?: string } = {};
  let i = 0;
  while (i < text.length) {
    const space = text.indexOf(' ', i);
    if (space < 0) break;
    const len = Number(text.slice(i, space));
    if (!Number.isInteger(len) || len <= 0 || i + len > text.length) break;
    const record = text.slice(space + 1, i + len - 1);
    const eq = record.indexOf('=');
    const key = eq > 0 ? record.slice(0, eq) : '';
    const value = eq > 0 ? record.slice(eq + 1) : '';
    if (key === 'path' || key === 'linkpath') {
      if (value.length > maxPath) throw new TarError('path-too-long', `a pax ${key} of ${value.length} characters (cap ${maxPath})`);
      out[key] = value;
    } else if (key === 'size') {
      const n = Number(value);
      if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(n)) throw new TarError('malformed', 'unreadable pax size');
      out.size = n;
    }
    i += len;
  }
  return out;
}

function stripFirstSegment(p: string): string {
  const slash = p.indexOf('/');
  return slash < 0 ? p : p.slice(slash + 1);
}

function segmentsOf(p: string): string[] {
  return p.split(/[/\\]/);
}

function unsafePath(p: string): UnsafeEntry['why'] | undefined {
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) return 'absolute path';
  if (segmentsOf(p).includes('..')) return 'parent-directory segment';
  return undefined;
}

/** Whether a link at `from` (package-relative) pointing at `target` lands outside the package. */
function linkEscapes(from: string, target: string): boolean {
  if (target.startsWith('/') || target.startsWith('\\') || /^[A-Za-z]:/.test(target)) return true;
  const parts = segmentsOf(from).slice(0, -1);
  for (const seg of segmentsOf(target)) {
    if (seg === '..') {
      if (parts.length === 0) return true;
      parts.pop();
    } else if (seg && seg !== '.') parts.push(seg);
  }
  return false;
}
