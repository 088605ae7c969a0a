/**
 * Text that came from the scanned files or the network (names, specs, versions,
 * deprecation messages, scripts, publishers, advisory summaries) is attacker input where
 * it reaches a person: it must not drive a terminal (ESC/CSI/OSC sequences, C1 controls),
 * start a line of its own, reorder a line (bidi overrides), or run to megabytes.
 *
 * The engine caps fields where messages are built (`truncate` with the LIMITS below);
 * each front end cleans what it shows (`cleanText`): the CLI's text output and stderr,
 * the editor's diagnostics and code action titles.
 */
import semver from 'semver';
import { isPlainRelease } from './version';

/** Caps in UTF-16 code units, ellipsis included. */
export const LIMITS = {
  /** npm's own maximum for a package name. */
  name: 214,
  /** semver's own maximum for a version (and enough for any real spec). */
  version: 256,
  /** A free-text field inside a message: a deprecation reason, a script, an advisory summary. */
  text: 300,
  /** A code action title. */
  title: 500,
  /** A whole message, at the output edge. */
  message: 2000,
} as const;

const ELLIPSIS = '…';

/** `s` cut to at most `max` code units, the cut marked with an ellipsis; a surrogate pair is never split. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - 1);
  // Cutting between the halves of a pair would leave a lone surrogate (shown as U+FFFD or rejected).
  const last = s.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return s.slice(0, end) + ELLIPSIS;
}

/**
 * C0 (line ends and tab included: a field must not start a line), DEL, C1, the Unicode
 * line and paragraph separators, and the bidi embeddings, overrides and isolates, which
 * reorder the rest of a line.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Control characters made visible as escapes (`\x1b`, `\n`, `\u202e`): the reader sees
 * that the text holds them, and nothing acts on them. Everything else passes unchanged.
 */
export function stripControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/**
 * Untrusted text as it may be shown: controls escaped, at most `max` code units. The
 * input is cut first (escaping only lengthens text, so the cut is still marked), so a
 * 20 MB string costs no more than a short one.
 */
export function cleanText(s: string, max: number = LIMITS.message): string {
  return truncate(stripControl(s.length > max ? s.slice(0, max + 1) : s), max);
}

/**
 * A version as npm writes it (`1.2.3`, `1.2.3-rc.1`, `1.2.3+build`): the only thing a
 * version chosen by the registry, an advisory or a lockfile may be before it goes into
 * an edit or an "upgrade to X" text. semver alone would also take `v1.2.3`, `=1.2.3` and
 * surrounding blanks, and normalise them away.
 */
export function isPlainVersion(v: string | undefined | null): v is string {
  if (typeof v !== 'string' || v.length > LIMITS.version) return false;
  return isPlainRelease(v) || (/^[0-9][0-9A-Za-z.+-]*$/.test(v) && semver.valid(v) === v.split('+')[0]);
}
