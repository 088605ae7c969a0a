import { applyEdits, modify, type FormattingOptions, type JSONPath } from 'jsonc-parser';
import type { TextEdit } from '../model';

/** The file's own indentation (tabs, or the width of its first indented line) and line ends. */
export function formattingOf(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const tabs = indent.startsWith('\t');
  return {
    insertSpaces: !tabs,
    tabSize: tabs ? 1 : indent.length,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    insertFinalNewline: false,
  };
}

/** One indentation step as the file writes it. */
export function indentUnitOf(text: string): string {
  const f = formattingOf(text);
  return f.insertSpaces ? ' '.repeat(f.tabSize ?? 2) : '\t';
}

/**
 * One edit that turns `before` into `after`: the changed middle, with the common prefix
 * and suffix left alone. Lets a fix be computed by several steps on a copy of the text
 * and still reach the editor as a single small edit (undo restores it in one step).
 */
export function diffEdit(file: string, before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  return { file, span: { start, end: endBefore }, newText: after.slice(start, endAfter) };
}

/** jsonc-parser `modify` (formatting detected from the file), as model edits. */
export function modifyJson(file: string, text: string, path: JSONPath, value: unknown, isArrayInsertion = false): TextEdit[] {
  // A file written on one line stays on one line (formatting would spread it out).
  const formattingOptions = /\n[ \t]*\S/.test(text) ? formattingOf(text) : undefined;
  return modify(text, path, value, { formattingOptions, isArrayInsertion }).map((e) => ({
    file,
    span: { start: e.offset, end: e.offset + e.length },
    newText: e.content,
  }));
}

/** Applies model edits of one file (for tests and for fixes computed in steps). */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  return applyEdits(
    text,
    edits.map((e) => ({ offset: e.span.start, length: e.span.end - e.span.start, content: e.newText })),
  );
}
