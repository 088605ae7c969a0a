import type { Dependency, Lockfile, TextEdit } from '../model';
import { dirname, joinPath, type Project } from '../project';
import { modifyJson } from './text-edits';

export type VersionStyle = 'exact' | 'keep-operator';

/**
 * Sets a package.json dependency to `version`. 'exact' pins it; 'keep-operator' keeps a
 * leading ^ or ~ (an upgrade should not quietly change how a range floats) and pins
 * anything else. Aliases keep their `npm:real@` prefix.
 */
export function setDependencyVersionEdits(manifestPath: string, dep: Dependency, version: string, style: VersionStyle): TextEdit[] | undefined {
  if (!dep.specSpan || !['version', 'range', 'tag', 'alias'].includes(dep.kind)) return undefined;
  const current = dep.kind === 'alias' ? dep.aliasOf!.spec : dep.spec;
  const operator = style === 'keep-operator' ? (/^\s*([\^~])/.exec(current)?.[1] ?? '') : '';
  const range = operator + version;
  const spec = dep.kind === 'alias' ? `npm:${dep.aliasOf!.name}@${range}` : range;
  return [{ file: manifestPath, span: dep.specSpan, newText: JSON.stringify(spec) }];
}

/**
 * Forces a transitive package to `version` through the package manager's override field
 * in the lockfile's root package.json: npm and bun `overrides`, yarn `resolutions`, pnpm
 * `pnpm.overrides`. (A lockfile is never edited by hand: the next install rewrites it.)
 */
export function overrideEdits(project: Project, lockfile: Lockfile, name: string, version: string): TextEdit[] | undefined {
  const rootPath = joinPath(dirname(lockfile.path), 'package.json');
  const text = project.texts.get(rootPath);
  const root = project.manifests.find((m) => m.path === rootPath);
  if (text === undefined || !root || root.parseErrors.length > 0) return undefined;
  const json = (root.json ?? {}) as Record<string, unknown>;
  switch (lockfile.format) {
    case 'npm':
    case 'bun': {
      // Own keys only: a dependency named "constructor" must not find Object.prototype's.
      const overrides = json.overrides as Record<string, unknown> | undefined;
      const existing = overrides && Object.hasOwn(overrides, name) ? overrides[name] : undefined;
      // npm's nested form keeps the package's own version under ".".
      const path = existing && typeof existing === 'object' ? ['overrides', name, '.'] : ['overrides', name];
      return modifyJson(rootPath, text, path, version);
    }
    case 'yarn-classic':
    case 'yarn-berry':
      return modifyJson(rootPath, text, ['resolutions', name], version);
    case 'pnpm':
      return modifyJson(rootPath, text, ['pnpm', 'overrides', name], version);
  }
}

/** Where overrideEdits writes, for fix titles. */
export function overrideFieldName(lockfile: Lockfile): string {
  return lockfile.format === 'pnpm' ? 'pnpm.overrides' : lockfile.format.startsWith('yarn') ? 'resolutions' : 'overrides';
}
