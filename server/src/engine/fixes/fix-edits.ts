import type { Fix, TextEdit } from '../model';

/**
 * The edits of a fix, computing them if the scan deferred them (Fix.computeEdits).
 * undefined when the fix has none to offer (only its title and kind, e.g. for the CLI).
 */
export function fixEdits(fix: Fix): TextEdit[] | undefined {
  if (fix.edits?.length) return fix.edits;
  const computed = fix.computeEdits?.();
  return computed?.length ? computed : undefined;
}

/** Whether a fix can be offered as an edit before its edits are computed. */
export function hasEdits(fix: Fix): boolean {
  return Boolean(fix.edits?.length || fix.computeEdits);
}
