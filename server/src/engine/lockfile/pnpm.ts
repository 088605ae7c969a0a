import type { Lockfile } from '../model';

// Placeholder until the parser lands (issue #3): the file is reported as not analysed,
// never as clean.
export function parsePnpmLock(path: string, _text: string): Lockfile {
  return {
    path,
    format: 'pnpm',
    parsed: false,
    parseErrors: [{ message: 'this lockfile format is not supported yet', span: { start: 0, end: 0 } }],
    packages: [],
    importers: [],
  };
}
