import type { Lockfile } from '../model';
import { LOCKFILE_NAMES } from './formats';
import { profileForFileName } from './profiles';

export { LOCKFILE_NAMES } from './formats';

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
  const profile = profileForFileName(basename(path));
  if (!profile) throw new Error(`not a lockfile: ${path}`);
  try {
    return profile.parse(path, text);
  } catch (e) {
    return {
      path,
      format: profile.format,
      parsed: false,
      parseErrors: [{ message: `internal error while parsing: ${(e as Error).message}`, span: { start: 0, end: 0 } }],
      packages: [],
      importers: [],
    };
  }
}
