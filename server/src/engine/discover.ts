import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SourceFile } from './model';
import { roleOfPath } from './project';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.yarn', '.pnpm-store']);
/** Larger files are not read: they are reported as unparsed instead of exhausting memory. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface DiscoveredFiles {
  /** Files in scope; those that could not be read carry `readError` (they become unparsed-file). */
  files: SourceFile[];
}

/** Finds every manifest, lockfile and policy file under root (skipping node_modules and .git). */
export async function discoverProjectFiles(root: string): Promise<DiscoveredFiles> {
  const files: SourceFile[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
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
        if (!SKIP_DIRS.has(entry.name)) await walk(path.join(dir, entry.name), childRel);
      } else if (entry.isFile() && roleOfPath(childRel)) {
        const abs = path.join(dir, entry.name);
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
  }
  await walk(root, '');
  return { files };
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
