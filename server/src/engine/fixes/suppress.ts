import { findNodeAtLocation, parseTree, type ParseError } from 'jsonc-parser';
import type { RuleId, TextEdit } from '../model';
import type { Project } from '../project';
import { SUPPRESSION_FILE } from '../policy/suppressions';
import { findDeepNesting } from '../json-depth';
import { formattingOf, indentUnitOf, modifyJson } from './text-edits';

export interface SuppressionEntry {
  rule: RuleId;
  package: string;
  version: string;
  reason: string;
}

/** What the quick fix writes as the reason; the person applying it is meant to replace it. */
export const PLACEHOLDER_REASON = 'TODO: say why this is acceptable';

/**
 * Adds an entry to `.depwarden.json` at the scan root, creating the file when there is
 * none. Existing entries are left exactly as written (the new one is appended after the
 * last, in the file's indentation). A file with syntax errors is not touched.
 */
export function suppressEdits(project: Project, entry: SuppressionEntry): TextEdit[] | undefined {
  const text = project.texts.get(SUPPRESSION_FILE);
  if (text !== undefined && text.trim() !== '' && !suppressionFileEditable(text)) return undefined;
  if (text === undefined) {
    return [{ file: SUPPRESSION_FILE, span: { start: 0, end: 0 }, newText: JSON.stringify({ suppressions: [entry] }, null, 2) + '\n', create: true }];
  }
  if (text.trim() === '') {
    return [{ file: SUPPRESSION_FILE, span: { start: 0, end: text.length }, newText: JSON.stringify({ suppressions: [entry] }, null, 2) + '\n' }];
  }
  const root = parseTree(text, [], { allowTrailingComma: true })!;
  const list = findNodeAtLocation(root, ['suppressions']);
  if (!list) return modifyJson(SUPPRESSION_FILE, text, ['suppressions'], [entry]);
  const last = list.children?.at(-1);
  if (!last) return modifyJson(SUPPRESSION_FILE, text, ['suppressions', -1], entry, true);
  const lineStart = text.lastIndexOf('\n', last.offset - 1) + 1;
  const indent = text.slice(lineStart, last.offset);
  // Entries written inline (`[{...}]`): let jsonc-parser lay it out.
  if (!/^[ \t]*$/.test(indent)) return modifyJson(SUPPRESSION_FILE, text, ['suppressions', -1], entry, true);
  const eol = formattingOf(text).eol ?? '\n';
  const body = JSON.stringify(entry, null, indentUnitOf(text)).split('\n').join(eol + indent);
  return [{ file: SUPPRESSION_FILE, span: { start: last.offset + last.length, end: last.offset + last.length }, newText: `,${eol}${indent}${body}` }];
}

/**
 * Whether the scan's .depwarden.json can take a new entry (none yet, or a well-formed one
 * whose "suppressions" is a list). Checked once per scan: the suppress fix is offered on
 * every finding, and its edit computed only for the one applied.
 */
export function canAddSuppression(project: Project): boolean {
  const text = project.texts.get(SUPPRESSION_FILE);
  return text === undefined || text.trim() === '' || suppressionFileEditable(text);
}

function suppressionFileEditable(text: string): boolean {
  // Too deep for jsonc-parser's recursion: reported by the reader (suppressions.ts), not edited.
  if (findDeepNesting(text) !== undefined) return false;
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true });
  if (!root || errors.length > 0 || root.type !== 'object') return false;
  const list = findNodeAtLocation(root, ['suppressions']);
  return !list || list.type === 'array';
}
