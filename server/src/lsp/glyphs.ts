import type { Severity } from '../engine/model';

/**
 * The marks in depwarden's Markdown: the hover card, the report and the lockfile review.
 *
 * Emoji such as 🛑, ❔ or 🔒 are drawn only where a colour emoji font is installed; in
 * code-server on a bare Linux machine (fonts: DejaVu) they are empty boxes. Codicons
 * (`$(name)`) are not drawn in the Markdown preview nor in LSP hovers. So every mark here
 * is a symbol of the basic text fonts (DejaVu Sans, Segoe UI Symbol, Apple Symbols), in
 * text presentation (no emoji variation selector), and means something next to its words.
 * GLYPHS lists them all: a test holds the rendered Markdown to that list.
 */
export const SEVERITY_MARK: Record<Severity, string> = { error: '✖', warning: '⚠', info: 'ℹ', hint: '◇' };

export const MARK = {
  /** Checked, and nothing found. */
  clean: '✔',
  /** Not checked (offline, a failed lookup, advisories off). */
  notChecked: '○',
  /** A file read only in part (unparsed-file). */
  partlyChecked: '◐',
  /** Restricted Mode: the remote checks were not allowed to run. */
  restricted: '⊘',
  /** Suppressed by the project's policy. */
  suppressed: '⊖',
  /** Report to npm, copy the indicator. */
  report: '⚑',
  /** A trust signal that changed between releases. */
  trust: '⇄',
  /** What reading the published tarball found. */
  audit: '◎',
} as const;

/** Lockfile changes, as the CLI's `diff` marks them (a plain `+` would start a nested Markdown list). */
export const CHANGE_MARK = { added: '✚', removed: '−', upgraded: '↑', downgraded: '↓' } as const;

/** Every mark above, and the separators the Markdown uses (›, →, —, ·, …). */
export const GLYPHS = new Set([...Object.values(SEVERITY_MARK), ...Object.values(MARK), ...Object.values(CHANGE_MARK), '›', '→', '—', '·', '…']);
