import type { Lockfile, Manifest, Settings, SourceFile } from './model';
import { parseManifest } from './manifest/parse-manifest';
import { isLockfilePath, parseLockfile } from './lockfile';
import { parseNpmrc, type NpmConfig } from './policy/npmrc';
import { parsePackageManagerConfig, type PackageManagerConfigFile } from './policy/package-manager-config';
import { buildGraph, type DependencyGraph } from './graph';
import { attachYarnImporters } from './lockfile/yarn-importers';
import { usageKindOfPath, type UsageIndex } from './source-usage';
import { applyProjectPolicy, PROJECT_CONFIG_FILE, readProjectConfig, type ProjectConfig } from './policy/project-config';

/** Config files (other than manifests and lockfiles) that policies read, by base name. */
export const CONFIG_FILE_NAMES = ['.npmrc', 'pnpm-workspace.yaml', '.yarnrc.yml', 'bunfig.toml', '.depwarden.json'];

/** 'source': JS/TS-family and tool configuration files, read only for what they use (source-usage.ts). */
export type FileRole = 'manifest' | 'lockfile' | 'config' | 'source';

export function roleOfPath(path: string): FileRole | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'package.json') return 'manifest';
  if (isLockfilePath(path)) return 'lockfile';
  if (CONFIG_FILE_NAMES.includes(base)) return 'config';
  if (usageKindOfPath(path)) return 'source';
  return undefined;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** A path with a `.` or `..` segment, an empty one (`//`), or a leading or trailing slash. */
const NOT_PLAIN_PATH = /(?:^|\/)\.\.?(?:\/|$)|\/\/|^\/|\/$/;

export function joinPath(dir: string, rel: string): string {
  // Plain relative paths (nearly every call: the rules join importer and manifest paths
  // for every finding) join as they are; the walk below gives the same answer for them.
  if (!NOT_PLAIN_PATH.test(rel) && !NOT_PLAIN_PATH.test(dir)) return dir === '' ? rel : rel === '' ? dir : `${dir}/${rel}`;
  const parts = (dir ? dir.split('/') : []).concat(rel.split('/'));
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out.join('/');
}

/** Everything the rules see about the scanned folder. */
export interface Project {
  manifests: Manifest[];
  lockfiles: Lockfile[];
  /** Effective npm config for the project (user/global .npmrc texts, then the project's, restricted). */
  npmrc: NpmConfig;
  /** Raw text of other config files by path. */
  configFiles: Map<string, string>;
  graphs: Map<string, DependencyGraph>;
  /** Source texts by path (for computing edits and positions). */
  texts: Map<string, string>;
  /** What source and configuration files use (unused-dependency); absent when they were not indexed. */
  usage?: UsageIndex;
  /** Config files that could not be read, and why (unparsed-file); they read as empty in configFiles. */
  unreadableConfigs?: Map<string, string>;
  /** .npmrc, pnpm-workspace.yaml, .yarnrc.yml and bunfig.toml by path, parsed once per scan (policy/package-manager-config.ts). */
  packageManagerConfig?: Map<string, PackageManagerConfigFile>;
  /** The scan root's `.depwarden.json`, read once (policy/project-config.ts). */
  config?: ProjectConfig;
}

/**
 * Parse results keyed by path, reused while the text is unchanged: the language server
 * keeps one across edits so a keystroke in package.json does not re-parse a 1 MB lockfile.
 */
export class ParseCache {
  private entries = new Map<string, { text: string; value: Manifest | Lockfile; graph?: DependencyGraph }>();

  manifest(path: string, text: string): Manifest {
    const hit = this.entries.get(path);
    if (hit && hit.text === text) return hit.value as Manifest;
    const value = parseManifest(path, text);
    this.entries.set(path, { text, value });
    return value;
  }

  lockfile(path: string, text: string): { lockfile: Lockfile; graph: DependencyGraph } {
    const hit = this.entries.get(path);
    if (hit && hit.text === text && hit.graph) return { lockfile: hit.value as Lockfile, graph: hit.graph };
    const lockfile = parseLockfile(path, text);
    const graph = buildGraph(lockfile);
    this.entries.set(path, { text, value: lockfile, graph });
    return { lockfile, graph };
  }

  /** Drops entries for paths no longer present. */
  retain(paths: Set<string>): void {
    for (const k of this.entries.keys()) if (!paths.has(k)) this.entries.delete(k);
  }
}

export interface ProjectOptions {
  /** .npmrc texts that apply before the project's own (global, then user): the only source of credentials and network settings. */
  outerNpmrc?: string[];
  env?: Record<string, string | undefined>;
  cache?: ParseCache;
  /** The usage index of the scanned folder's source files (discover.ts); without it unused-dependency does not run. */
  usage?: UsageIndex;
  /**
   * The user's settings for this scan: the project's `.depwarden.json` is applied into
   * them, beneath what the user set (project-config.ts), so that every reader of the
   * settings (rules, lookups, suppressions) sees the same effective policy in the
   * language server and the CLI.
   */
  settings?: Settings;
}

export function buildProject(files: SourceFile[], options: ProjectOptions = {}): Project {
  const cache = options.cache ?? new ParseCache();
  const project: Project = {
    manifests: [],
    lockfiles: [],
    npmrc: parseNpmrc([]),
    configFiles: new Map(),
    packageManagerConfig: new Map(),
    graphs: new Map(),
    texts: new Map(),
  };
  if (options.usage) project.usage = options.usage;
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of sorted) {
    const role = roleOfPath(f.path);
    // Source files reach the rules through the usage index, never as texts.
    if (role === 'source') continue;
    project.texts.set(f.path, f.text);
    if (f.readError !== undefined && role === 'config') (project.unreadableConfigs ??= new Map()).set(f.path, f.readError);
    else if (f.readError !== undefined) {
      addUnreadable(project, f.path, role, f.readError);
      continue;
    }
    try {
      if (role === 'manifest') project.manifests.push(cache.manifest(f.path, f.text));
      else if (role === 'lockfile') {
        const { lockfile, graph } = cache.lockfile(f.path, f.text);
        project.lockfiles.push(lockfile);
        project.graphs.set(f.path, graph);
      } else if (role === 'config') {
        project.configFiles.set(f.path, f.text);
        addPackageManagerConfig(project, f.path, f.text);
      }
    } catch (e) {
      // A parser that throws (a bug, or input it cannot take) loses that file only: it is
      // reported as unparsed and the rest of the folder is still checked and published.
      addUnreadable(project, f.path, role, `the parser failed: ${(e as Error).message}`);
    }
  }
  cache.retain(new Set(sorted.map((f) => f.path)));
  // yarn classic lockfiles name no importers: derive them from the manifests (on a copy).
  attachYarnImporters(project);
  const root = applyRootConfig((path) => project.configFiles.get(path), options);
  project.npmrc = root.npmrc;
  project.config = root.config;
  return project;
}

/** Parsed once here for every policy that reads it; unparsed-file reports its parse errors. */
function addPackageManagerConfig(project: Project, path: string, text: string): void {
  const parsed = parsePackageManagerConfig(path, text);
  if (parsed) (project.packageManagerConfig ??= new Map()).set(path, parsed);
}

function addUnreadable(project: Project, path: string, role: FileRole | undefined, reason: string): void {
  const parseErrors = [{ message: reason, span: { start: 0, end: 0 } }];
  if (role === 'manifest') project.manifests.push({ path, dependencies: [], parseErrors, json: undefined });
  else if (role === 'lockfile') {
    const lockfile = parseLockfile(path, '');
    const unreadable = { ...lockfile, parsed: false, parseErrors, packages: [], importers: [] };
    project.lockfiles.push(unreadable);
    project.graphs.set(path, buildGraph(unreadable));
  }
}

/** The manifest in the same folder as a lockfile's importer path. */
/**
 * The root `.npmrc` and `.depwarden.json` of a folder's files, as buildProject applies them:
 * the npm config, and the team's policy applied into `options.settings`. The language
 * server calls it before a scan: they decide which data plane the folder reads.
 */
export function rootConfigOf(files: SourceFile[], options: ProjectOptions = {}): { npmrc: NpmConfig; config: ProjectConfig } {
  const readable = (path: string) => files.find((f) => f.path === path && f.readError === undefined)?.text;
  return applyRootConfig(readable, options);
}

function applyRootConfig(textOf: (path: string) => string | undefined, options: ProjectOptions): { npmrc: NpmConfig; config: ProjectConfig } {
  // The project-level .npmrc is the one at the root (npm reads the one beside the
  // nearest package.json with a lockfile; monorepos keep one at the root). It comes with
  // the repository, so it is read as untrusted: registries and policy keys only, no
  // ${VAR} expansion, no credentials, no proxy or certificate settings (npmrc.ts).
  const npmrc = parseNpmrc(options.outerNpmrc ?? [], options.env ?? {}, textOf('.npmrc'));
  // The team's policy applies at the scan root only, like npm's project .npmrc.
  const config = readProjectConfig(textOf(PROJECT_CONFIG_FILE));
  if (options.settings) applyProjectPolicy(options.settings, config.policy);
  return { npmrc, config };
}

export function manifestForImporter(project: Project, lockfilePath: string, importerPath: string): Manifest | undefined {
  const path = joinPath(joinPath(dirname(lockfilePath), importerPath), 'package.json');
  return project.manifests.find((m) => m.path === path);
}

/** The lockfile that governs a manifest: in its folder or the nearest folder above. */
export function lockfileForManifest(project: Project, manifestPath: string): Lockfile | undefined {
  let dir = dirname(manifestPath);
  for (;;) {
    const found = project.lockfiles.find((l) => dirname(l.path) === dir);
    if (found) return found;
    if (dir === '') return undefined;
    dir = dirname(dir);
  }
}

/** The locked package a manifest's direct dependency resolved to, when a lockfile says. */
export function lockedDirectDependency(project: Project, manifestPath: string, name: string) {
  const lockfile = lockfileForManifest(project, manifestPath);
  if (!lockfile) return undefined;
  const lockDir = dirname(lockfile.path);
  const manifestDir = dirname(manifestPath);
  const importerPath = lockDir === '' ? manifestDir : manifestDir.slice(lockDir.length + 1);
  const importer = lockfile.importers.find((i) => i.path === importerPath);
  const dep = importer?.dependencies.find((d) => d.name === name && d.id);
  if (!dep?.id) return undefined;
  return project.graphs.get(lockfile.path)?.byId.get(dep.id);
}
