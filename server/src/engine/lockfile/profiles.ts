/**
 * One profile per lockfile format, and one per package manager: everything the rules,
 * policies and fixes need to know about a format, in one place.
 *
 * Both tables are `Record`s over their key types, so adding a format is: its name in
 * `LockfileFormat` (model.ts), its file names (formats.ts), its parser, and its profile
 * here; the compiler names each table that still lacks it. Code elsewhere looks facts up
 * here instead of switching on the format.
 */
import type { Lockfile, LockfileFormat } from '../model';
import { LOCKFILE_FILE_NAMES, PACKAGE_MANAGER_CONFIG_FILE, type PackageManagerName } from './formats';
import { parseNpmLock } from './npm';
import { parseYarnLock } from './yarn';
import { parsePnpmLock } from './pnpm';
import { parseBunLock } from './bun';

export type { PackageManagerName } from './formats';

export interface LockfileProfile {
  format: LockfileFormat;
  fileNames: readonly string[];
  /** Reads the file; never throws for bad input (parse errors are in the result). */
  parse(path: string, text: string): Lockfile;
  /** The package manager that writes it, whose settings decide what an install from it does. */
  manager: PackageManagerName;
  /** How messages name a lockfile of this format: "yarn.lock (yarn berry)", "pnpm-lock.yaml (lockfileVersion 9.0)". */
  describe(fileName: string, lockfileVersion: number | string | undefined): string;
  /** The package manager major that wrote this lockfile version, when only one major writes it. */
  managerMajor(lockfileVersion: number): number | undefined;
  /** What the lockfile records about each package. */
  records: {
    /** Hash kinds its integrity field holds (for docs and messages). */
    integrity: string;
    /** Whether entries carry the URL they were fetched from (lockfile-host, lockfile-name-mismatch). */
    resolvedUrls: boolean;
    /**
     * The flag that marks packages with install scripts (LockedPackage.hasInstallScript),
     * and the lockfile versions that write it; absent when the format never records it
     * (then the registry half of install-script reads the scripts from packuments).
     */
    installScripts?: { flag: string; writtenIn(lockfileVersion: number): boolean };
    /**
     * Whether it says which packages are each workspace's direct dependencies. When it does
     * not, importers are built from package.json (yarn classic) or hold hoisted packages (npm v1).
     */
    directDependencies(lockfileVersion: number): boolean;
    /** Importers are derived from the manifests: a direct dependency without an id found no descriptor. */
    importersFromManifests: boolean;
  };
}

export interface PackageManagerProfile {
  name: PackageManagerName;
  /** Its own config file besides package.json, and how a setting is written in it (for messages). */
  configFile: { name: string; assign: string };
  /**
   * Its release-age gate: the setting (a key path into the parsed config file), the value
   * in milliseconds (undefined for a value the package manager would not take), and the
   * list of exempt name patterns. npm also has `before=<date>`.
   */
  releaseAge: { setting: readonly string[]; toMs(value: unknown): number | undefined; exclude?: readonly string[]; before?: string };
  /**
   * Where the root package.json forces a transitive package's version. `nestedSelf`: npm's
   * nested form (`"name": { ".": "1.2.3", ... }`) keeps the package's own version under ".".
   */
  override: { path: readonly string[]; nestedSelf?: string };
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;


/** Yarn durations: a bare number is minutes; else a number with a unit (ms, s, m, h, d, w). */
export function parseDuration(text: string): number | undefined {
  // Trimmed first: `\s*` on both sides of the optional unit would try every split of a long
  // run of spaces (quadratic).
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE, d: DAY, w: 7 * DAY }[m[2] ?? 'm']!;
  return Number(m[1]) * unit;
}

/** A YAML or TOML number in a unit (a quoted '1440' is not taken by pnpm or bun). */
const numberIn = (unitMs: number) => (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value * unitMs : undefined);

/** An .npmrc value (always text) that is a number, in a unit. */
const npmNumberIn = (unitMs: number) => (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) * unitMs : undefined;

const fileOnly = (fileName: string) => fileName;

export const PACKAGE_MANAGERS: Record<PackageManagerName, PackageManagerProfile> = {
  npm: {
    name: 'npm',
    configFile: { name: PACKAGE_MANAGER_CONFIG_FILE.npm, assign: '=' },
    releaseAge: { setting: ['min-release-age'], toMs: npmNumberIn(DAY), before: 'before' },
    override: { path: ['overrides'], nestedSelf: '.' },
  },
  pnpm: {
    name: 'pnpm',
    configFile: { name: PACKAGE_MANAGER_CONFIG_FILE.pnpm, assign: ': ' },
    releaseAge: { setting: ['minimumReleaseAge'], toMs: numberIn(MINUTE), exclude: ['minimumReleaseAgeExclude'] },
    override: { path: ['pnpm', 'overrides'] },
  },
  yarn: {
    name: 'yarn',
    configFile: { name: PACKAGE_MANAGER_CONFIG_FILE.yarn, assign: ': ' },
    releaseAge: {
      setting: ['npmMinimalAgeGate'],
      toMs: (v) => (typeof v === 'number' ? v * MINUTE : typeof v === 'string' ? parseDuration(v) : undefined),
      exclude: ['npmPreapprovedPackages'],
    },
    override: { path: ['resolutions'] },
  },
  bun: {
    name: 'bun',
    configFile: { name: PACKAGE_MANAGER_CONFIG_FILE.bun, assign: ' = ' },
    releaseAge: { setting: ['install', 'minimumReleaseAge'], toMs: numberIn(1000), exclude: ['install', 'minimumReleaseAgeExcludes'] },
    // bun reads npm's `overrides` (and yarn's `resolutions`); overrides is the one it documents.
    override: { path: ['overrides'], nestedSelf: '.' },
  },
};

export const LOCKFILE_PROFILES: Record<LockfileFormat, LockfileProfile> = {
  npm: {
    format: 'npm',
    fileNames: LOCKFILE_FILE_NAMES.npm,
    parse: parseNpmLock,
    manager: 'npm',
    describe: fileOnly,
    // Versions 1-3 are written by npm 5-6, 7-8 and 9+ alike in overlapping ranges: no major follows.
    managerMajor: () => undefined,
    records: {
      integrity: 'sha512 (sha1 in entries from before 2017)',
      resolvedUrls: true,
      installScripts: { flag: 'hasInstallScript', writtenIn: (v) => v >= 2 },
      // v1 nests packages by folder and marks no direct dependencies.
      directDependencies: (v) => v >= 2,
      importersFromManifests: false,
    },
  },
  'yarn-classic': {
    format: 'yarn-classic',
    fileNames: LOCKFILE_FILE_NAMES['yarn-classic'],
    parse: parseYarnLock,
    manager: 'yarn',
    describe: (file) => `${file} (yarn classic)`,
    managerMajor: () => 1,
    records: {
      integrity: 'sha512 or sha1, plus the sha1 in the resolved URL fragment',
      resolvedUrls: true,
      directDependencies: () => false,
      importersFromManifests: true,
    },
  },
  'yarn-berry': {
    format: 'yarn-berry',
    fileNames: LOCKFILE_FILE_NAMES['yarn-berry'],
    parse: parseYarnLock,
    manager: 'yarn',
    describe: (file) => `${file} (yarn berry)`,
    // Berry (2, 3, 4) writes the same lockfile family: 2 stands for "berry" in script decisions.
    managerMajor: () => 2,
    records: {
      integrity: 'checksum (sha512 of the zip archive yarn stores, not the tarball)',
      resolvedUrls: false,
      directDependencies: () => true,
      importersFromManifests: false,
    },
  },
  pnpm: {
    format: 'pnpm',
    fileNames: LOCKFILE_FILE_NAMES.pnpm,
    parse: parsePnpmLock,
    manager: 'pnpm',
    // The version is what tells which pnpm wrote it (managerMajor).
    describe: (file, version) => `${file} (lockfileVersion ${version ?? 'unknown'})`,
    // lockfileVersion 5.x was written by pnpm 5-7 and 6.0 by pnpm 8; 9.0 is written by
    // pnpm 9, 10 and 11, which disagree about build scripts, so it stays unknown.
    managerMajor: (v) => (v > 0 && v < 6 ? 7 : v >= 6 && v < 7 ? 8 : undefined),
    records: {
      integrity: 'sha512 (sha1 for old packages)',
      resolvedUrls: true,
      installScripts: { flag: 'requiresBuild', writtenIn: (v) => v > 0 && v < 9 },
      directDependencies: () => true,
      importersFromManifests: false,
    },
  },
  bun: {
    format: 'bun',
    fileNames: LOCKFILE_FILE_NAMES.bun,
    parse: parseBunLock,
    manager: 'bun',
    describe: fileOnly,
    managerMajor: () => undefined,
    records: {
      integrity: 'sha512',
      resolvedUrls: true,
      directDependencies: () => true,
      importersFromManifests: false,
    },
  },
};

/** The lockfile version as a number (pnpm writes '9.0', npm 3); NaN when absent. */
export function lockfileVersionOf(lockfile: Lockfile): number {
  return Number.parseFloat(String(lockfile.lockfileVersion ?? ''));
}

export function profileOf(lockfile: Lockfile): LockfileProfile {
  return LOCKFILE_PROFILES[lockfile.format];
}

export function managerProfileOf(lockfile: Lockfile): PackageManagerProfile {
  return PACKAGE_MANAGERS[LOCKFILE_PROFILES[lockfile.format].manager];
}

/** Whether this lockfile flags install scripts itself (then the lockfile half of install-script covers them). */
export function recordsInstallScripts(lockfile: Lockfile): boolean {
  return profileOf(lockfile).records.installScripts?.writtenIn(lockfileVersionOf(lockfile)) ?? false;
}

/** Whether this lockfile says which packages are direct dependencies (see records.directDependencies). */
export function recordsDirectDependencies(lockfile: Lockfile): boolean {
  return profileOf(lockfile).records.directDependencies(lockfileVersionOf(lockfile));
}

/** The first profile for a file name (yarn.lock: both generations share one reader). */
export function profileForFileName(name: string): LockfileProfile | undefined {
  return Object.values(LOCKFILE_PROFILES).find((p) => p.fileNames.includes(name));
}
