import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A folder in the system temp dir holding `files` (name -> text); the caller removes it. */
export function tempProject(files: Record<string, string>, prefix = 'depwarden-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A sha512 SRI string of the right shape (nothing is ever downloaded in tests). */
export const FAKE_SRI = 'sha512-' + 'A'.repeat(86) + '==';

export interface LockEntry {
  version: string;
  /** Default: the public registry's tarball URL for name@version. */
  resolved?: string;
  /** Default: FAKE_SRI. */
  integrity?: string;
  [field: string]: unknown;
}

/**
 * A package-lock.json v3 whose root depends on every package (`*`) and installs each at
 * the top level: `{ name: "1.0.0" }` or `{ name: { version, resolved, hasInstallScript, ... } }`.
 */
export function npmLockText(packages: Record<string, string | LockEntry>): string {
  const entries: Record<string, unknown> = { '': { dependencies: Object.fromEntries(Object.keys(packages).map((n) => [n, '*'])) } };
  for (const [name, value] of Object.entries(packages)) {
    const entry = typeof value === 'string' ? { version: value } : value;
    entries[`node_modules/${name}`] = {
      resolved: `https://registry.npmjs.org/${name}/-/${name}-${entry.version}.tgz`,
      integrity: FAKE_SRI,
      ...entry,
    };
  }
  return JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages: entries }, null, 2);
}
