import type { DependencySection, Importer, ImporterDependency, Lockfile, Manifest } from '../model';
import { workspaceGlobMatcher } from '../glob';
import { buildGraph } from '../graph';
import type { Project } from '../project';

/** Manifest sections a package manager installs for a workspace. */
const INSTALLED_SECTIONS: ReadonlySet<DependencySection> = new Set(['dependencies', 'devDependencies', 'optionalDependencies']);

/**
 * yarn classic records no importers: which workspace asked for what lives only in the
 * package.json files. For every lockfile that has descriptors but no importers, builds
 * them from the manifests of the lockfile's folder and its workspaces (the root
 * manifest's `workspaces` globs), resolves each dependency through the descriptors, and
 * replaces the lockfile and its graph in the project with that copy. The parsed
 * lockfile itself (held by ParseCache) is never changed, since the manifests can change
 * while it does not.
 */
export function attachYarnImporters(project: Project): void {
  for (let i = 0; i < project.lockfiles.length; i++) {
    const lockfile = project.lockfiles[i];
    if (lockfile.importers.length > 0 || !lockfile.descriptors) continue;
    const manifests = importerManifests(lockfile, project.manifests);
    const cached = attached.get(lockfile);
    if (cached && sameItems(cached.manifests, manifests)) {
      project.lockfiles[i] = cached.lockfile;
      project.graphs.set(lockfile.path, cached.graph);
      continue;
    }
    const importers = importersOf(lockfile, manifests);
    if (importers.length === 0) continue;
    const withImporters: Lockfile = { ...lockfile, importers };
    const graph = buildGraph(withImporters);
    attached.set(lockfile, { manifests, lockfile: withImporters, graph });
    project.lockfiles[i] = withImporters;
    project.graphs.set(lockfile.path, graph);
  }
}

/**
 * The copy and graph made for a parsed lockfile, with the manifests they were made from:
 * while those are the same objects (ParseCache keeps a manifest whose text did not
 * change), the next scan reuses them instead of building the graph of a lockfile of
 * thousands of entries again (a language-server re-scan of sentry did on every pass).
 */
const attached = new WeakMap<Lockfile, { manifests: Manifest[]; lockfile: Lockfile; graph: ReturnType<typeof buildGraph> }>();

/** The manifests synthesizeImporters reads for the lockfile: its folder's, then its workspaces'. */
function importerManifests(lockfile: Lockfile, manifests: Manifest[]): Manifest[] {
  const dir = folderOf(lockfile.path);
  const prefix = dir === '' ? '' : dir + '/';
  const root = manifests.find((m) => m.path === prefix + 'package.json');
  if (!root) return [];
  if (!root.workspaces || root.workspaces.length === 0) return [root];
  const isWorkspace = workspaceGlobMatcher(root.workspaces);
  const out = [root];
  for (const m of manifests) {
    if (m === root || !m.path.startsWith(prefix) || !m.path.endsWith('/package.json')) continue;
    const rel = m.path.slice(prefix.length, m.path.length - '/package.json'.length);
    if (rel.split('/').includes('node_modules')) continue;
    if (isWorkspace(rel)) out.push(m);
  }
  return out;
}

function sameItems<T>(a: T[], b: T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The importers of a lockfile that has none: its folder's manifest first, then its workspaces. */
export function synthesizeImporters(lockfile: Lockfile, manifests: Manifest[]): Importer[] {
  return importersOf(lockfile, importerManifests(lockfile, manifests));
}

/**
 * One importer per manifest importerManifests chose (the root first, at path ''): the
 * workspace globs are matched once per scan, there, not a second time here.
 */
function importersOf(lockfile: Lockfile, chosen: Manifest[]): Importer[] {
  const descriptors = lockfile.descriptors;
  if (!descriptors) return [];
  const dir = folderOf(lockfile.path);
  const prefixLength = dir === '' ? 0 : dir.length + 1;
  return chosen.map((m, i) => ({
    path: i === 0 ? '' : m.path.slice(prefixLength, m.path.length - '/package.json'.length),
    dependencies: importerDependencies(m, descriptors),
  }));
}

function importerDependencies(manifest: Manifest, descriptors: Map<string, string>): ImporterDependency[] {
  const out: ImporterDependency[] = [];
  for (const d of manifest.dependencies) {
    // The earlier of two duplicate keys is ignored by package managers (JSON.parse keeps the last).
    if (!INSTALLED_SECTIONS.has(d.section) || d.duplicate) continue;
    const dep: ImporterDependency = { name: d.name, spec: d.spec, section: d.section };
    const id = descriptors.get(`${d.name}@${d.spec}`);
    if (id !== undefined) dep.id = id;
    out.push(dep);
  }
  return out;
}

function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
