import type { Dependency, Lockfile, TextEdit } from '../model';
import { dirname, joinPath, type Project } from '../project';
import { modifyJson } from './text-edits';
import { managerProfileOf } from '../lockfile/profiles';
import { isRegistrySpecKind } from '../manifest/spec';

export type VersionStyle = 'exact' | 'keep-operator';

/**
 * Sets a package.json dependency to `version`. 'exact' pins it; 'keep-operator' keeps a
 * leading ^ or ~ (an upgrade should not quietly change how a range floats) and pins
 * anything else. Aliases keep their `npm:real@` prefix.
 */
export function setDependencyVersionEdits(manifestPath: string, dep: Dependency, version: string, style: VersionStyle): TextEdit[] | undefined {
  if (!dep.specSpan || !isRegistrySpecKind(dep.kind)) return undefined;
  const current = dep.kind === 'alias' ? dep.aliasOf!.spec : dep.spec;
  const operator = style === 'keep-operator' ? (/^\s*([\^~])/.exec(current)?.[1] ?? '') : '';
  const range = operator + version;
  const spec = dep.kind === 'alias' ? `npm:${dep.aliasOf!.name}@${range}` : range;
  return [{ file: manifestPath, span: dep.specSpan, newText: JSON.stringify(spec) }];
}

/**
 * Forces a transitive package to `version` through the package manager's override field
 * in the lockfile's root package.json (the profile's `override`: npm and bun `overrides`,
 * yarn `resolutions`, pnpm `pnpm.overrides`). A lockfile is never edited by hand: the next
 * install rewrites it.
 */
export function overrideEdits(project: Project, lockfile: Lockfile, name: string, version: string): TextEdit[] | undefined {
  const rootPath = joinPath(dirname(lockfile.path), 'package.json');
  const text = project.texts.get(rootPath);
  const root = project.manifests.find((m) => m.path === rootPath);
  if (text === undefined || !root || !canOverride(project, lockfile)) return undefined;
  const { path, nestedSelf } = managerProfileOf(lockfile).override;
  if (nestedSelf !== undefined) {
    // Own keys only: a dependency named "constructor" must not find Object.prototype's.
    const overrides = ownValue(root.json, path);
    const existing = overrides && typeof overrides === 'object' && Object.hasOwn(overrides, name) ? (overrides as Record<string, unknown>)[name] : undefined;
    if (existing && typeof existing === 'object') return modifyJson(rootPath, text, [...path, name, nestedSelf], version);
  }
  return modifyJson(rootPath, text, [...path, name], version);
}

/** Whether overrideEdits can edit the lockfile's root package.json (it exists and parses). */
export function canOverride(project: Project, lockfile: Lockfile): boolean {
  const rootPath = joinPath(dirname(lockfile.path), 'package.json');
  const root = project.manifests.find((m) => m.path === rootPath);
  return project.texts.has(rootPath) && root !== undefined && root.parseErrors.length === 0;
}

/** The value at a path of own keys in parsed JSON. */
function ownValue(json: unknown, path: readonly string[]): unknown {
  let at = json;
  for (const key of path) {
    if (!at || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Where overrideEdits writes, for fix titles. */
export function overrideFieldName(lockfile: Lockfile): string {
  return managerProfileOf(lockfile).override.path.join('.');
}
