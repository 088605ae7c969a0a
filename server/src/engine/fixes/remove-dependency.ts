import { findNodeAtLocation, parseTree, type JSONPath } from 'jsonc-parser';
import type { Dependency, DependencySection, TextEdit } from '../model';
import type { Project } from '../project';
import { diffEdit, modifyJson, applyTextEdits } from './text-edits';

/** Sections a dependency can be removed from by deleting its property. */
const REMOVABLE: Partial<Record<DependencySection, JSONPath>> = {
  dependencies: ['dependencies'],
  devDependencies: ['devDependencies'],
  optionalDependencies: ['optionalDependencies'],
  peerDependencies: ['peerDependencies'],
};

/**
 * Whether removeDependencyEdits can edit this dependency, known without computing the edit
 * (the scan offers the fix; the edit is computed when it is applied).
 */
export function canRemoveDependency(project: Project, manifestPath: string, dep: Dependency): boolean {
  const manifest = project.manifests.find((m) => m.path === manifestPath);
  // Edits computed on a tree with syntax errors could land in the wrong place.
  return REMOVABLE[dep.section] !== undefined && project.texts.has(manifestPath) && manifest !== undefined && manifest.parseErrors.length === 0;
}

/**
 * Deletes the whole `"name": "spec"` property, with its comma, keeping the rest of the
 * file as written. Removing the only dependency leaves `{}`. Duplicate keys are all
 * removed: leaving an earlier copy would bring the package back.
 */
export function removeDependencyEdits(project: Project, manifestPath: string, dep: Dependency): TextEdit[] | undefined {
  const section = REMOVABLE[dep.section];
  const text = project.texts.get(manifestPath);
  if (!section || text === undefined || !canRemoveDependency(project, manifestPath, dep)) return undefined;
  let current = text;
  let firstStep: TextEdit[] | undefined;
  let steps = 0;
  for (let guard = 0; guard < 100; guard++) {
    const root = parseTree(current);
    const obj = root && findNodeAtLocation(root, section);
    const present = obj?.children?.filter((p) => p.children?.[0]?.value === dep.name) ?? [];
    if (!obj || present.length === 0) break;
    const onlyThis = obj.children!.length === present.length;
    const edits = onlyThis ? modifyJson(manifestPath, current, section, {}) : modifyJson(manifestPath, current, [...section, dep.name], undefined);
    if (edits.length === 0) break;
    firstStep ??= edits;
    steps++;
    current = applyTextEdits(current, edits);
  }
  // One step: jsonc-parser's own edit (the property and its comma) reads best in the editor.
  if (steps === 1) return firstStep;
  const edit = diffEdit(manifestPath, text, current);
  return edit ? [edit] : undefined;
}
