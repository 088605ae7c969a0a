import type { Finding, Span } from '../engine/model';
import { EDIT_LOCAL_RULES } from '../engine/scan';

/**
 * The findings to show for package.json files just edited, before the folder's full scan
 * catches up (issue #15 item 1, "local first, always"): the edit-local rules' findings
 * computed afresh for those files (scanFocused), and the last full scan's other findings
 * (lockfile-drift, registry findings, lockfile findings shown on package.json lines) moved
 * with the text around them. A finding whose place the edit touched is dropped until the
 * full scan says again whether it holds.
 *
 * `edited` maps each edited file to its text at the last full scan and its text now.
 */
export function mergeEditPass(previous: Finding[], fresh: Finding[], edited: ReadonlyMap<string, { before: string; after: string }>): Finding[] {
  const shifters = new Map([...edited].map(([file, t]) => [file, spanShifter(t.before, t.after)]));
  const move = (file: string, span: Span) => {
    const shift = shifters.get(file);
    return shift ? shift(span) : span;
  };
  const touchesEdited = (f: Finding) => edited.has(f.file) || (f.also ?? []).some((a) => edited.has(a.file));
  const kept: Finding[] = [];
  /** The other places of recomputed findings (a typosquat's lockfile twin), to carry over. */
  const alsoOf = new Map<string, Finding['also']>();
  for (const f of previous) {
    if (!touchesEdited(f)) continue; // only the edited files are published
    const span = move(f.file, f.span);
    if (!span) continue;
    const also = f.also?.flatMap((a) => {
      const moved = move(a.file, a.span);
      return moved ? [{ file: a.file, span: moved }] : [];
    });
    const g: Finding = { ...f, span, ...(f.also ? { also } : {}) };
    if (EDIT_LOCAL_RULES.has(f.rule) && edited.has(f.file)) {
      if (also?.length) alsoOf.set(keyOf(g), also);
      continue;
    }
    kept.push(g);
  }
  const recomputed = fresh.map((f) => {
    const also = alsoOf.get(keyOf(f));
    return also ? { ...f, also } : f;
  });
  return [...recomputed, ...kept];
}

function keyOf(f: Finding): string {
  return `${f.rule}|${f.file}|${f.span.start}|${f.span.end}|${f.package ?? ''}`;
}

/**
 * Maps a span of `before` onto `after`, where the two differ in one stretch (what a
 * keystroke, a paste or a quick fix does): before the stretch it stays, after it moves by
 * the change in length, and a span that overlaps the stretch has no place (undefined).
 */
export function spanShifter(before: string, after: string): (span: Span) => Span | undefined {
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  const changedEnd = before.length - suffix;
  const delta = after.length - before.length;
  return (span) => {
    if (span.end <= prefix) return span;
    if (span.start >= changedEnd) return { start: span.start + delta, end: span.end + delta };
    return undefined;
  };
}
