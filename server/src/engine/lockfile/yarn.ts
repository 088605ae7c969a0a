import type { Lockfile } from '../model';
import { parseYarnBerry } from './yarn-berry';
import { hasClassicHeader, parseYarnClassic } from './yarn-classic';

/**
 * Parses a yarn.lock of either generation: yarn berry (2+) writes a `__metadata` entry,
 * yarn classic (1.x) a `# yarn lockfile v1` header. A file with neither is read as
 * classic (whatever parses is kept) and reported as not parsed.
 */
export function parseYarnLock(path: string, text: string): Lockfile {
  if (isBerry(text)) return parseYarnBerry(path, text);
  if (!hasClassicHeader(text) && text.trim() === '') {
    return {
      path,
      format: 'yarn-classic',
      parsed: false,
      parseErrors: [{ message: 'line 1: the file is empty (no yarn lockfile header)', span: { start: 0, end: 0 } }],
      packages: [],
      importers: [],
    };
  }
  return parseYarnClassic(path, text);
}

function isBerry(text: string): boolean {
  // Berry writes __metadata first, after comments; search further only without a classic header.
  let pos = 0;
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c !== 35 /* # */ && c !== 10 && c !== 13) break;
    const eol = text.indexOf('\n', pos);
    if (eol < 0) return false;
    pos = eol + 1;
  }
  if (text.startsWith('__metadata:', pos)) return true;
  return !hasClassicHeader(text) && text.indexOf('\n__metadata:') >= 0;
}
