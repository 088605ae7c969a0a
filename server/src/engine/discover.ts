import { promises as fs } from 'node:fs';
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
  type UsageIndex,
} from './source-usage';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.yarn', '.pnpm-store']);
/** Larger files are not read: they are reported as unparsed instead of exhausting memory. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface DiscoveredFiles {
  /** Files in scope; those that could not be read carry `readError` (they become unparsed-file). */
  files: SourceFile[];
  /** What source and configuration files use (absent when `indexSources` was false). */
  usage?: UsageIndex;
}

export interface DiscoverOptions {
  /** Read JS/TS-family and configuration files for the usage index (default true). */
  indexSources?: boolean;
  /** Limits (defaults MAX_SOURCE_FILES, MAX_SOURCE_BYTES); tests lower them. */
  maxSourceFiles?: number;
  maxSourceBytes?: number;
}

/**
 * Finds every manifest, lockfile and policy file under root (skipping node_modules and
 * .git), and indexes what the source files use: their texts are read one at a time and
 * only the names they mention are kept.
 */
export async function discoverProjectFiles(root: string, options: DiscoverOptions = {}): Promise<DiscoveredFiles> {
  const files: SourceFile[] = [];
  const usage = options.indexSources === false ? undefined : emptyUsageIndex();
  let sourceCount = 0;
  async function walk(dir: string, rel: string, indexHere: boolean): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (rel === '') throw e;
      return;
    }
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(path.join(dir, entry.name), childRel, indexHere && !SOURCE_SKIP_DIRS.has(entry.name));
        continue;
      }
      if (!entry.isFile()) continue;
      const role = roleOfPath(childRel);
      if (!role) continue;
      const abs = path.join(dir, entry.name);
      if (role === 'source') {
        if (!usage || !indexHere) continue;
        const kind = usageKindOfPath(childRel)!;
        if (kind === 'source' && ++sourceCount > (options.maxSourceFiles ?? MAX_SOURCE_FILES)) {
          usage.unindexedDirs.add(rel);
          continue;
        }
        await indexFile(usage, abs, childRel, kind, options.maxSourceBytes);
        continue;
      }
      try {
        const stat = await fs.stat(abs);
        if (stat.size > MAX_FILE_BYTES) {
          files.push({ path: childRel, text: '', readError: `the file is ${stat.size} bytes, over the ${MAX_FILE_BYTES}-byte limit` });
          continue;
        }
        files.push({ path: childRel, text: stripBom(await fs.readFile(abs, 'utf8')) });
      } catch (e) {
        files.push({ path: childRel, text: '', readError: `could not be read: ${(e as Error).message}` });
      }
    }
  }
  await walk(root, '', true);
  return usage ? { files, usage } : { files };
}

/**
 * Reads one source or configuration file into the index (replacing what it had). A file
 * over the size limit, or unreadable, is marked incomplete: its workspace then gets no
 * unused-dependency findings rather than false ones.
 */
export async function indexFile(usage: UsageIndex, abs: string, rel: string, kind = usageKindOfPath(rel), maxBytes = MAX_SOURCE_BYTES): Promise<void> {
  if (!kind) return;
  try {
    const stat = await fs.stat(abs);
    if (stat.size > maxBytes) {
      usage.files.set(rel, { kind, names: [], incomplete: true });
      return;
    }
    usage.files.set(rel, usageOfText(kind, rel, await fs.readFile(abs, 'utf8')));
  } catch {
    usage.files.set(rel, { kind, names: [], incomplete: true });
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
