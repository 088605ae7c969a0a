/**
 * The file names of each lockfile format and of each package manager's own config file.
 *
 * Nothing but data and type imports, so that the VS Code client can build its file
 * watchers and document selectors from the same list without bundling the parsers
 * (the parsers and everything else about a format are in profiles.ts).
 */
import type { LockfileFormat } from '../model';

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** A `Record`, so a new LockfileFormat does not compile until its file names are here. */
export const LOCKFILE_FILE_NAMES: Record<LockfileFormat, readonly string[]> = {
  npm: ['package-lock.json', 'npm-shrinkwrap.json'],
  // One file name, two generations: the yarn reader tells them apart by content.
  'yarn-classic': ['yarn.lock'],
  'yarn-berry': ['yarn.lock'],
  pnpm: ['pnpm-lock.yaml'],
  bun: ['bun.lock'],
};

/** Every lockfile name, once each. */
export const LOCKFILE_NAMES: readonly string[] = [...new Set(Object.values(LOCKFILE_FILE_NAMES).flat())];

/** The config file each package manager reads besides package.json (its policy keys: scripts, release age, registries). */
export const PACKAGE_MANAGER_CONFIG_FILE: Record<PackageManagerName, string> = {
  npm: '.npmrc',
  pnpm: 'pnpm-workspace.yaml',
  yarn: '.yarnrc.yml',
  bun: 'bunfig.toml',
};

export const PACKAGE_MANAGER_CONFIG_NAMES: readonly string[] = Object.values(PACKAGE_MANAGER_CONFIG_FILE);

/** `**\/{a,b,c}`: a glob matching any of the names in any folder (VS Code's glob syntax). */
export function anyFolderGlob(names: readonly string[]): string {
  return `**/{${names.join(',')}}`;
}
