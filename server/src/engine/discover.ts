import { constants, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { SourceFile } from './model';
import { roleOfPath } from './project';
import {
  emptyUsageIndex,
  MAX_SOURCE_BYTES,
  MAX_SOURCE_FILES,
  SOURCE_SKIP_DIRS,
  usageKindOfPath,
  usageOfText,
  type FileUsage,
  type UsageFileKind,
  type UsageIndex,
} from './source-usage';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.yarn', '.pnpm-store']);
/** Larger files are not read: they are reported as unparsed instead of exhausting memory. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Whether discovery skips the folder a path is in (the file watcher asks the same). */
export function isInSkippedDir(rel: string): boolean {
  const parts = rel.split('/');
  for (let i = 0; i < parts.length - 1; i++) if (SKIP_DIRS.has(parts[i])) return true;
  return false;
}

export interface DiscoveredFiles {
  /** Files in scope; those that could not be read carry `readError` (they become unparsed-file). */
  files: SourceFile[];
  /** What source and configuration files use (absent when `indexSources` was false). */
  usage?: UsageIndex;
}

export interface DiscoverOptions {
  /** Read JS/TS-family and configuration files for the usage index (default true). */
  indexSources?: boolean;
  /** Limits (defaults MAX_SOURCE_FILES, MAX_SOURCE_BYTES, MAX_FILE_BYTES); tests lower them. */
  maxSourceFiles?: number;
  maxSourceBytes?: number;
  maxFileBytes?: number;
}

/**
 * Finds every manifest, lockfile and policy file under root (skipping node_modules and
 * .git), and indexes what the source files use: their texts are read one at a time and
 * only the names they mention are kept.
 *
 * Symlinked directories are not followed: one whose target is inside the folder is
 * scanned at its real path already (following it would report the same files twice, and
 * a link to `.` loops), and one whose target is outside is not part of the repository.
 * Symlinked files are read under the rules of `readFileInside`.
 */
export async function discoverProjectFiles(root: string, options: DiscoverOptions = {}): Promise<DiscoveredFiles> {
  const usage = options.indexSources === false ? undefined : emptyUsageIndex();
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const realRoot = await fs.realpath(root);
  // The walk lists what to read, in walk order; the reads then overlap (READS_AT_ONCE at a
  // time: one after the other, the process mostly waited on the disk), and their results
  // are taken in walk order, so the files and the usage index are the same as one by one.
  // A source file's text is reduced to the names it uses as soon as it is read.
  const found = await walk(realRoot, '', true);
  const reads: ((() => Promise<void>) | undefined)[] = [];
  const results: (() => void)[] = [];
  const files: SourceFile[] = [];
  let sourceCount = 0;
  for (const item of found) {
    const { rel, abs } = item;
    if (item.kind === 'source') {
      if (!usage) continue;
      // The limit counts source files in walk order, whatever order the folders were listed in.
      if (item.usageKind === 'source' && ++sourceCount > (options.maxSourceFiles ?? MAX_SOURCE_FILES)) {
        results.push(() => usage.unindexedDirs.add(item.dir));
        continue;
      }
      let fileUsage: FileUsage | undefined;
      reads.push(async () => {
        const read = await readFileInside(realRoot, abs, options.maxSourceBytes ?? MAX_SOURCE_BYTES);
        if (read) fileUsage = usageOf(rel, item.usageKind, read);
      });
      results.push(() => {
        if (fileUsage) usage.files.set(rel, fileUsage);
      });
      continue;
    }
    let read: FileRead | undefined;
    reads.push(async () => {
      read = await readFileInside(realRoot, abs, maxFileBytes);
    });
    results.push(() => {
      if (read) files.push(toSourceFile(rel, read));
    });
  }
  let next = 0;
  const worker = async () => {
    while (next < reads.length) {
      const read = reads[next];
      reads[next++] = undefined;
      await read!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, reads.length) }, worker));
  for (const take of results) take();
  return usage ? { files, usage } : { files };
}

/** A file the walk found to read: a project file, or a source file for the usage index. */
type FoundFile = { kind: 'project'; rel: string; abs: string } | { kind: 'source'; rel: string; abs: string; dir: string; usageKind: UsageFileKind };

/**
 * The files under `dir` to read, in walk order (each folder's entries in the order listed,
 * a subfolder's files where the subfolder is listed). Subfolders are listed at the same
 * time, not one after the other: each listing is a trip to libuv's threads, and a
 * monorepo has hundreds of folders.
 */
async function walk(dir: string, rel: string, indexHere: boolean): Promise<FoundFile[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (rel === '') throw e;
    return [];
  }
  const parts: (FoundFile | Promise<FoundFile[]>)[] = [];
  for (const entry of entries) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) parts.push(walk(path.join(dir, entry.name), childRel, indexHere && !SOURCE_SKIP_DIRS.has(entry.name)));
      continue;
    }
    // Anything else with a name we read (a file, a symlink, a FIFO, a device) is looked
    // at: skipping a symlinked or odd package-lock.json would read as "clean".
    const role = roleOfPath(childRel);
    if (!role) continue;
    const abs = path.join(dir, entry.name);
    if (role !== 'source') parts.push({ kind: 'project', rel: childRel, abs });
    else if (indexHere) parts.push({ kind: 'source', rel: childRel, abs, dir: rel, usageKind: usageKindOfPath(childRel)! });
  }
  const out: FoundFile[] = [];
  for (const part of parts) {
    if (part instanceof Promise) for (const f of await part) out.push(f);
    else out.push(part);
  }
  return out;
}

/** File reads in flight at once during discovery (libuv runs four at a time by default). */
const READS_AT_ONCE = 8;

/** A file's text, or why it was not read. */
export type FileRead = { text: string } | { readError: string };

export function toSourceFile(rel: string, read: FileRead): SourceFile {
  return 'text' in read ? { path: rel, text: read.text } : { path: rel, text: '', readError: read.readError };
}

/**
 * Reads one file of the workspace by its path relative to `root`, as discovery would have
 * read it: the file watcher's path. Undefined when discovery would not list it: the file
 * is gone, or the path goes through a symlinked directory (see discoverProjectFiles).
 */
export async function readWorkspaceFile(root: string, rel: string, maxBytes = MAX_FILE_BYTES): Promise<FileRead | undefined> {
  let realRoot: string;
  let realDir: string;
  const abs = path.join(root, ...rel.split('/'));
  try {
    realRoot = await fs.realpath(root);
    realDir = await fs.realpath(path.dirname(abs));
  } catch {
    return undefined; // the folder is gone
  }
  if (realDir !== path.join(realRoot, ...rel.split('/').slice(0, -1))) return undefined;
  return readFileInside(realRoot, path.join(realDir, path.basename(abs)), maxBytes);
}

/**
 * Reads a file found in the workspace (at `abs`, under the real root path). A symlink is
 * followed when its target (realpath) is a regular file inside the workspace, as git
 * checks it out and the package manager reads it; otherwise, and for FIFOs, devices,
 * sockets and files over `maxBytes`, the result says why it was not read. Nothing that is
 * not a regular file is ever opened: a FIFO would block the read (and with it every later
 * file-system call once libuv's threads are all waiting), /dev/zero would fill memory.
 * Undefined when there is no such file.
 */
async function readFileInside(realRoot: string, abs: string, maxBytes: number): Promise<FileRead | undefined> {
  let target = abs;
  let stat: Stats;
  try {
    stat = await fs.lstat(abs);
    if (stat.isSymbolicLink()) {
      try {
        target = await fs.realpath(abs);
      } catch {
        return { readError: 'it is a broken symlink (its target does not exist, or the links loop)' };
      }
      // The target's path is not repeated: it is the attacker's text, and the reader's own paths are nobody else's business.
      if (!isInside(realRoot, target)) return { readError: 'it is a symlink to a path outside the workspace, which depwarden does not read' };
      stat = await fs.stat(target);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { readError: `could not be read: ${(e as Error).message}` };
  }
  if (!stat.isFile()) return { readError: `it is not a regular file (${kindOf(stat)}), so it was not opened` };
  if (stat.size > maxBytes) return tooLarge(stat.size, maxBytes);
  try {
    return await readRegularFile(target, maxBytes);
  } catch (e) {
    return { readError: `could not be read: ${(e as Error).message}` };
  }
}

/**
 * Opens without following a link and without waiting for a writer (the checks above ran
 * on a path that could have been swapped since), checks again on the open descriptor,
 * and reads at most maxBytes + 1 bytes whatever the file grows to meanwhile.
 */
async function readRegularFile(file: string, maxBytes: number): Promise<FileRead> {
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { readError: `it is not a regular file (${kindOf(stat)}), so it was not opened` };
    if (stat.size > maxBytes) return tooLarge(stat.size, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    // The size the stat gave and one byte more (which shows a file that grew since), then
    // small reads until the end: a chunk of READ_CHUNK for every file was 1 MB of memory
    // outside the heap per package.json, and that pressure alone set off full GCs.
    let next = Math.min(stat.size + 1, READ_CHUNK);
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(next, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return tooLarge(total, maxBytes); // it grew since the check
      // A short read of a regular file is its end: when it ends where the stat said, the
      // read that would only confirm it (one more trip to libuv's threads per file) is spared.
      if (bytesRead < chunk.length && total === stat.size) break;
      next = bytesRead < chunk.length ? SMALL_READ : READ_CHUNK;
    }
    return { text: stripBom((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)).toString('utf8')) };
  } finally {
    await handle.close();
  }
}

const READ_CHUNK = 1024 * 1024;
/** After a short read: the read that finds the end (Node serves buffers this small from a shared pool). */
const SMALL_READ = 4095;

function tooLarge(size: number, maxBytes: number): FileRead {
  return { readError: `the file is ${size} bytes, over the ${maxBytes}-byte limit` };
}

function isInside(realRoot: string, target: string): boolean {
  const rel = path.relative(realRoot, target);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a file';
}

/** What one source or configuration file uses; a file that was not read is marked incomplete (no false "unused"). */
export function recordUsage(usage: UsageIndex, rel: string, kind: UsageFileKind, read: FileRead): void {
  usage.files.set(rel, usageOf(rel, kind, read));
}

function usageOf(rel: string, kind: UsageFileKind, read: FileRead): FileUsage {
  return 'text' in read ? usageOfText(kind, rel, read.text) : { kind, names: [], incomplete: true };
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
