import { yamlLibrary } from '../lazy-modules';
import type { Lockfile, TextEdit } from '../model';
import { dirname, joinPath, type Project } from '../project';
import { diffEdit, modifyJson } from './text-edits';

/**
 * pnpm: deny a package's build scripts. pnpm 10 reads `allowBuilds` in
 * pnpm-workspace.yaml (created when absent); pnpm 9 and older read
 * `pnpm.neverBuiltDependencies` in package.json. Says where the denial goes, and computes
 * the edits only when asked (the YAML route re-prints the whole file through the yaml
 * library): undefined when that file cannot be edited.
 */
export function pnpmDenyScripts(project: Project, lockfile: Lockfile, name: string, major: number | undefined): { where: string; edits: () => TextEdit[] | undefined } | undefined {
  const dir = dirname(lockfile.path);
  if (major !== undefined && major < 10) {
    const rootPath = joinPath(dir, 'package.json');
    const text = project.texts.get(rootPath);
    const root = project.manifests.find((m) => m.path === rootPath);
    if (text === undefined || !root || root.parseErrors.length > 0) return undefined;
    const list = (root.pnpm as { neverBuiltDependencies?: unknown } | undefined)?.neverBuiltDependencies;
    if (Array.isArray(list) && list.includes(name)) return undefined;
    return {
      where: 'pnpm.neverBuiltDependencies in package.json',
      edits: () =>
        Array.isArray(list)
          ? modifyJson(rootPath, text, ['pnpm', 'neverBuiltDependencies', -1], name, true)
          : modifyJson(rootPath, text, ['pnpm', 'neverBuiltDependencies'], [name]),
    };
  }
  const wsPath = joinPath(dir, 'pnpm-workspace.yaml');
  const where = 'allowBuilds in pnpm-workspace.yaml';
  const text = project.texts.get(wsPath);
  if (text === undefined) {
    return { where, edits: () => [{ file: wsPath, span: { start: 0, end: 0 }, newText: `allowBuilds:\n  ${yamlKey(name)}: false\n`, create: true }] };
  }
  // The scan already read this file (policy/package-manager-config.ts); one it refused, as
  // broken or too large or deep for the yaml library (yaml-limits.ts), gets no edit and is
  // not handed to the library again here.
  if ((project.packageManagerConfig?.get(wsPath)?.parseErrors.length ?? 0) > 0) return undefined;
  return {
    where,
    edits: () => {
      const doc = yamlLibrary().parseDocument(text);
      if (doc.errors.length > 0) return undefined;
      doc.setIn(['allowBuilds', name], false);
      // The yaml library re-prints the whole document; diffEdit keeps the edit to what changed.
      const edit = diffEdit(wsPath, text, doc.toString());
      return edit ? [edit] : undefined;
    },
  };
}

/** Edits of pnpmDenyScripts, computed at once (tests, and fronts ends that apply fixes). */
export function pnpmDenyScriptsEdits(project: Project, lockfile: Lockfile, name: string, major: number | undefined): { edits: TextEdit[]; where: string } | undefined {
  const target = pnpmDenyScripts(project, lockfile, name, major);
  const edits = target?.edits();
  return target && edits?.length ? { edits, where: target.where } : undefined;
}

function yamlKey(name: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(name) ? name : JSON.stringify(name);
}
