import type { LockedPackage, Lockfile } from '../model';
import { LOCKFILE_NAMES } from './formats';
import { profileForFileName } from './profiles';
import { findMergeConflicts, mergeConflictError } from '../merge-conflict';

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
  const parse = (t: string): Lockfile => {
    try {
      return profile.parse(path, t);
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
  };
  // Strict JSON that parses holds no merge markers (a line cannot start inside a JSON
  // string), so npm's lockfiles are parsed first and only searched for markers when the
  // parse fails: the search reads the whole text (about 1 ms per MB).
  const strictJson = profile.format === 'npm';
  const first = strictJson ? parse(text) : undefined;
  if (first && first.parseErrors.length === 0) return first;
  const conflicts = findMergeConflicts(text);
  if (!conflicts) return first ?? parse(text);
  // An unresolved merge: one error that names it, and the entries of both sides (each side
  // parsed on its own, spans in the file's offsets; see merge-conflict.ts), so that what
  // either branch would install is still checked.
  const merged = bothSides(parse(conflicts.ours), parse(conflicts.theirs));
  return { ...merged, parsed: false, parseErrors: [mergeConflictError(conflicts)] };
}

/**
 * The union of two readings of one lockfile. An entry both sides hold alike is kept once;
 * where "theirs" holds a different entry under the same id (another version of a package
 * at the same place), it is kept too, under the id `<id> (theirs)`, so ids stay unique.
 */
function bothSides(ours: Lockfile, theirs: Lockfile): Lockfile {
  const byId = new Map(ours.packages.map((p) => [p.id, p]));
  const same = (a: LockedPackage, b: LockedPackage) => a.version === b.version && a.resolved === b.resolved && a.integrity === b.integrity && a.name === b.name;
  const renamed = new Map<string, string>();
  for (const p of theirs.packages) {
    const mine = byId.get(p.id);
    if (mine && !same(mine, p)) renamed.set(p.id, `${p.id} (theirs)`);
  }
  const idOf = (id: string) => renamed.get(id) ?? id;
  const packages = [...ours.packages];
  for (const p of theirs.packages) {
    const mine = byId.get(p.id);
    if (mine && same(mine, p)) continue;
    packages.push({ ...p, id: idOf(p.id), dependencies: p.dependencies.map(idOf) });
  }
  const importers = ours.importers.map((i) => ({ ...i, dependencies: [...i.dependencies] }));
  for (const i of theirs.importers) {
    let target = importers.find((x) => x.path === i.path);
    if (!target) importers.push((target = { path: i.path, dependencies: [] }));
    const key = (d: { name: string; spec: string; section?: string; id?: string }) => `${d.name}\0${d.spec}\0${d.section ?? ''}\0${d.id ?? ''}`;
    const seen = new Set(target.dependencies.map(key));
    for (const d of i.dependencies) {
      const dep = d.id === undefined ? d : { ...d, id: idOf(d.id) };
      if (!seen.has(key(dep))) target.dependencies.push(dep);
    }
  }
  let descriptors = ours.descriptors;
  if (theirs.descriptors) {
    descriptors = new Map(ours.descriptors ?? []);
    for (const [k, v] of theirs.descriptors) if (!descriptors.has(k)) descriptors.set(k, idOf(v));
  }
  return { ...ours, lockfileVersion: ours.lockfileVersion ?? theirs.lockfileVersion, packages, importers, ...(descriptors ? { descriptors } : {}) };
}
