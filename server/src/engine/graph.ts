import type { LockedPackage, Lockfile } from './model';

/**
 * The resolved dependency graph of one lockfile: for every installed package, the
 * shortest path from a workspace's direct dependency down to it (`via`).
 */
export interface DependencyGraph {
  lockfile: Lockfile;
  byId: Map<string, LockedPackage>;
  /** Names from the direct dependency down to the package (just [name] for a direct one). */
  via(id: string): string[] | undefined;
  /** The importer (workspace folder relative to the lockfile) whose direct dependency pulls it in. */
  importerOf(id: string): string | undefined;
  /** The direct dependency (name as declared) that pulls it in. */
  directOf(id: string): string | undefined;
}

export function buildGraph(lockfile: Lockfile): DependencyGraph {
  const byId = new Map<string, LockedPackage>();
  for (const p of lockfile.packages) byId.set(p.id, p);
  // Breadth-first from all direct dependencies at once gives each package its shortest path.
  const parent = new Map<string, string | null>();
  // Only the direct dependencies' importers are kept: a package's is its direct
  // dependency's, found up the parents when a finding asks (a map of every package was a
  // third of this function's time, for the few findings that read it).
  const directImporter = new Map<string, string>();
  const queue: string[] = [];
  for (const imp of lockfile.importers) {
    for (const dep of imp.dependencies) {
      if (!dep.id || parent.has(dep.id) || !byId.has(dep.id)) continue;
      parent.set(dep.id, null);
      directImporter.set(dep.id, imp.path);
      queue.push(dep.id);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    const pkg = byId.get(id)!;
    for (const child of pkg.dependencies) {
      if (parent.has(child) || !byId.has(child)) continue;
      parent.set(child, id);
      queue.push(child);
    }
  }
  const viaCache = new Map<string, string[]>();
  function via(id: string): string[] | undefined {
    if (!parent.has(id)) return undefined;
    const cached = viaCache.get(id);
    if (cached) return cached;
    const names: string[] = [];
    for (let cur: string | null | undefined = id; cur; cur = parent.get(cur)) {
      const pkg = byId.get(cur)!;
      // A workspace link and the workspace folder it points to are one package: name it once.
      if (pkg.source === 'link' && cur !== id && names.at(-1) === pkg.name) continue;
      names.push(pkg.name);
    }
    names.reverse();
    viaCache.set(id, names);
    return names;
  }
  return {
    lockfile,
    byId,
    via,
    importerOf(id) {
      if (!parent.has(id)) return undefined;
      let cur = id;
      for (let up = parent.get(cur); up !== null && up !== undefined; up = parent.get(cur)) cur = up;
      return directImporter.get(cur);
    },
    directOf: (id) => via(id)?.[0],
  };
}
