/**
 * The engine's model: what parsers produce and what rules consume.
 *
 * Offsets are UTF-16 code units into the file's text (as JavaScript strings index them).
 * Positions (line/character) are computed only at the edge (LSP layer, CLI reporters).
 */

/** A half-open range [start, end) of UTF-16 offsets into a file's text. */
export interface Span {
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type SeveritySetting = Severity | 'off';

/** Every rule id (RULES.md). A public interface: never rename, only add. */
export const RULE_IDS = [
  'known-malware',
  'security-holder',
  'removed-from-registry',
  'known-vulnerability',
  'typosquat',
  'install-script',
  'release-cooldown',
  'new-package',
  'trust-change',
  'version-anomaly',
  'dependency-confusion',
  'deprecated',
  'no-repository',
  'lockfile-host',
  'insecure-url',
  'lockfile-integrity',
  'lockfile-name-mismatch',
  'lockfile-drift',
  'unpinned-range',
  'non-registry-source',
  'unparsed-file',
  'lookup-incomplete',
  'missing-lockfile',
  'unused-dependency',
  'duplicate-versions',
  'suspicious-code',
  'remote-dynamic-dependency',
  'unknown-package',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export const SEVERITY_ORDER: Record<Severity, number> = { hint: 0, info: 1, warning: 2, error: 3 };

/** How a dependency spec resolves (npm-package-arg's types, plus the protocols other package managers add). */
export type SpecKind =
  | 'version' // exact semver version
  | 'range' // semver range
  | 'tag' // dist-tag such as latest
  | 'alias' // npm:other@range
  | 'git' // git URL or hosted shorthand (github:, user/repo)
  | 'remote' // tarball URL
  | 'file' // file: tarball
  | 'directory' // file: folder
  | 'link' // link:
  | 'workspace' // workspace:
  | 'catalog' // pnpm catalog:
  | 'patch' // yarn patch:
  | 'portal' // yarn portal:
  | 'invalid';

export type DependencySection =
  | 'dependencies'
  | 'devDependencies'
  | 'optionalDependencies'
  | 'peerDependencies'
  | 'bundleDependencies'
  | 'overrides'
  | 'resolutions'
  | 'pnpm.overrides';

/** One dependency entry of a package.json. */
export interface Dependency {
  name: string;
  /** The spec as written ("" when the property has no value yet). */
  spec: string;
  section: DependencySection;
  kind: SpecKind;
  /** For `npm:` aliases: the real package name and its range. */
  aliasOf?: { name: string; spec: string };
  /** For git/remote specs: the URL as npm would fetch it (for insecure-url). */
  url?: string;
  /** The key string including quotes. */
  nameSpan: Span;
  /** The value string including quotes (absent while half-typed, or for bundleDependencies arrays). */
  specSpan?: Span;
  /** The whole property `"name": "spec"` (used to remove it). */
  propertySpan: Span;
  /** Set when the same key appears again later in the same object (the last one wins, as in JSON.parse). */
  duplicate?: boolean;
}

export interface ParseError {
  message: string;
  span: Span;
}

export interface Manifest {
  /** Path relative to the scan root, '/' separated. */
  path: string;
  name?: string;
  version?: string;
  private?: boolean;
  dependencies: Dependency[];
  /** Workspace globs (npm/yarn `workspaces`, array or `{packages}`). */
  workspaces?: string[];
  /** npm 11's `allowScripts`: name or name@version -> allowed (true) / denied (false). */
  allowScripts?: Record<string, boolean>;
  /** bun `trustedDependencies`. */
  trustedDependencies?: string[];
  /** pnpm settings from package.json (`pnpm.onlyBuiltDependencies`, ...), raw. */
  pnpm?: Record<string, unknown>;
  /** `packageManager` field, e.g. "pnpm@9.1.0". */
  packageManager?: string;
  scripts?: Record<string, string>;
  parseErrors: ParseError[];
  /** The parsed JSON value (what parsed of it). */
  json: unknown;
}

export type LockfileFormat = 'npm' | 'yarn-classic' | 'yarn-berry' | 'pnpm' | 'bun';

/** Where a locked package comes from. */
export type PackageSource = 'registry' | 'tarball' | 'git' | 'file' | 'directory' | 'link' | 'workspace' | 'patch' | 'unknown';

/** One installed package in a lockfile. */
export interface LockedPackage {
  /** Unique within the lockfile: npm key, yarn/berry locator, pnpm key, bun key. */
  id: string;
  /** The name it is installed under (the alias name for aliases). */
  name: string;
  /** The real registry name when installed through an alias (npm:real@x). */
  realName?: string;
  version: string;
  source: PackageSource;
  resolved?: string;
  integrity?: string;
  /** The entry as a whole (a diagnostic for the entry goes here). */
  span: Span;
  /** The key (name) part of the entry, for a tighter squiggle. */
  keySpan?: Span;
  dev?: boolean;
  optional?: boolean;
  peer?: boolean;
  inBundle?: boolean;
  hasInstallScript?: boolean;
  hasBin?: boolean;
  /** Ids of the locked packages this one depends on (resolved edges). */
  dependencies: string[];
  /** Dependency specs as the lockfile records them (name -> spec or version). */
  dependencySpecs?: Record<string, string>;
}

/** A workspace (or the root project) as the lockfile records it. */
export interface Importer {
  /** Workspace folder relative to the lockfile's folder ('' or '.' for the root -> always ''). */
  path: string;
  dependencies: ImporterDependency[];
}

export interface ImporterDependency {
  name: string;
  spec: string;
  section?: DependencySection;
  /** Id of the locked package it resolved to, when known. */
  id?: string;
}

export interface Lockfile {
  path: string;
  format: LockfileFormat;
  lockfileVersion?: number | string;
  /** False when the file could not be parsed (fully or partly); see parseErrors. */
  parsed: boolean;
  parseErrors: ParseError[];
  packages: LockedPackage[];
  importers: Importer[];
  /**
   * yarn: descriptor ("name@spec" as the lockfile keys it) -> id of the package it
   * resolved to. Lets manifests' direct dependencies be resolved where the lockfile
   * records no importers (yarn classic).
   */
  descriptors?: Map<string, string>;
}

/** What a code action would do. Edits are resolved by the front end that applies them. */
export type FixKind = 'pin' | 'replace-name' | 'remove' | 'upgrade' | 'suppress' | 'deny-scripts';

export interface TextEdit {
  /** File relative to the scan root. */
  file: string;
  span: Span;
  newText: string;
  /** The file does not exist yet: create it, then insert newText (span is 0..0). */
  create?: boolean;
}

export interface Fix {
  title: string;
  kind: FixKind;
  /** Target name (replace-name). */
  name?: string;
  /** Target version or range (pin, upgrade). */
  version?: string;
  preferred?: boolean;
  /** Edits known without computing anything (a span to overwrite with a name or version). */
  edits?: TextEdit[];
  /**
   * Edits that take work (re-reading a file with jsonc-parser or yaml), computed only when a
   * front end applies the fix: the editor's codeAction/resolve, never a scan, which would pay
   * for thousands of findings' edits nobody asked for. Read both through fixEdits()
   * (engine/fixes/fix-edits.ts). Returns undefined when the file no longer allows the edit.
   */
  computeEdits?: () => TextEdit[] | undefined;
}

export interface Finding {
  rule: RuleId;
  severity: Severity;
  message: string;
  /** File relative to the scan root, '/' separated. */
  file: string;
  span: Span;
  package?: string;
  version?: string | null;
  /** Dependency path from a workspace's direct dependency to the package. */
  via?: string[];
  fixes: Fix[];
  /** Lines of evidence for the hover and reports (published when, by whom, script text...). */
  evidence?: string[];
  /**
   * Other places the same finding concerns: for a package pulled in by a lockfile, the
   * package.json line of the direct dependency that brings it in; for a finding on a
   * package.json line, the lockfile entry. The editor shows a finding once, at one of its
   * places (depwarden.lockfileFindings), and links the others.
   */
  also?: { file: string; span: Span }[];
  /** Set when a suppression matched: the finding is kept in reports, hidden from diagnostics. */
  suppressed?: { reason: string };
}

/** A file as handed to the scanner. */
export interface SourceFile {
  /** Relative to the scan root, '/' separated. */
  path: string;
  text: string;
  /** Set when the file is in scope but could not be read (too large, unreadable). */
  readError?: string;
}

export type FileKind = 'manifest' | 'lockfile' | 'npmrc' | 'policy';

export interface FileReport {
  path: string;
  kind: 'manifest' | 'lockfile';
  format?: LockfileFormat;
  lockfileVersion?: number | string;
  parsed: boolean;
  packages?: number;
  error?: string;
}

export interface Settings {
  /** Per-rule severity override. */
  rules: Partial<Record<RuleId, SeveritySetting>>;
  offline: boolean;
  /** Registry override (else .npmrc, else the public registry). */
  registry?: string;
  /** OSV-compatible API base; null disables advisory lookups. */
  advisories: string | null;
  cooldownDays: number;
  newPackageDays: number;
  /** Extra hosts allowed in lockfile `resolved` URLs. */
  allowedHosts: string[];
  /** Names never flagged as typosquats. */
  typosquatAllow: string[];
  /** Proxy for registry, advisory and feed requests (the editor's http.proxy); else .npmrc, else the environment. */
  proxy?: { url: string; strictSSL: boolean; noProxy?: string[] };
  /** URLs of malware lists (`name@version` lines, or JSON), downloaded whole: no package name is sent. */
  malwareFeeds?: string[];
  /**
   * Registries (URLs or hosts) that mirror the public npm registry: names resolved from
   * them may be asked of the advisory service. npm's own hosts always count; no other
   * registry is assumed public (a company registry's names stay private).
   */
  publicRegistries?: string[];
  /**
   * What the user set explicitly (a VS Code setting, a CLI flag). It wins over the
   * project's `.depwarden.json`, which wins over the defaults (project-config.ts). Absent:
   * every value above that differs from its default counts as set by the user.
   */
  overrides?: PolicyLayer;
}

/**
 * The settings a team may commit in `.depwarden.json`, and a user may override. Where
 * package names are sent (registry, advisories, public registries), network and proxy
 * settings are not here: those belong to the user alone.
 */
export interface PolicyLayer {
  rules?: Partial<Record<RuleId, SeveritySetting>>;
  cooldownDays?: number;
  newPackageDays?: number;
  allowedHosts?: string[];
  typosquatAllow?: string[];
  malwareFeeds?: string[];
}

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';
export const DEFAULT_ADVISORIES = 'https://api.osv.dev';

export function defaultSettings(): Settings {
  return {
    rules: {},
    offline: false,
    advisories: DEFAULT_ADVISORIES,
    cooldownDays: 3,
    newPackageDays: 30,
    allowedHosts: [],
    typosquatAllow: [],
  };
}
