import type { Lockfile } from '../model';
import { parseNpmLock } from './npm';
import { parseYarnLock } from './yarn';
import { parsePnpmLock } from './pnpm';
import { parseBunLock } from './bun';

export const LOCKFILE_NAMES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock'];

export function isLockfilePath(path: string): boolean {
  return LOCKFILE_NAMES.includes(basename(path));
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Parses any lockfile by its file name. Never throws: a file that cannot be read is a
 * Lockfile with parsed=false and the reason in parseErrors (it becomes `unparsed-file`).
 */
export function parseLockfile(path: string, text: string): Lockfile {
  const name = basename(path);
  try {
    switch (name) {
      case 'package-lock.json':
      case 'npm-shrinkwrap.json':
        return parseNpmLock(path, text);
      case 'yarn.lock':
        return parseYarnLock(path, text);
      case 'pnpm-lock.yaml':
        return parsePnpmLock(path, text);
      case 'bun.lock':
        return parseBunLock(path, text);
    }
  } catch (e) {
    return {
      path,
      format: formatOfName(name),
      parsed: false,
      parseErrors: [{ message: `internal error while parsing: ${(e as Error).message}`, span: { start: 0, end: 0 } }],
      packages: [],
      importers: [],
    };
  }
  throw new Error(`not a lockfile: ${path}`);
}

function formatOfName(name: string): Lockfile['format'] {
  if (name === 'yarn.lock') return 'yarn-classic';
  if (name === 'pnpm-lock.yaml') return 'pnpm';
  if (name === 'bun.lock') return 'bun';
  return 'npm';
}
