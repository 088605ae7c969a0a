/**
 * Nesting depth of JSON text, checked before parsing.
 *
 * jsonc-parser's parseTree and every tree walk after it (ours included) recurse once per
 * level, so a file of a few thousand `[` or `{"a":` overflows the stack (about 3,000 levels
 * in the CLI). One hostile package.json must not take down the scan of its folder, so the
 * parsers first measure the depth with this linear, allocation-free pass and report a
 * deeper file as unparsed instead of parsing it.
 *
 * It reads strings and comments the way jsonc-parser's scanner does (a string ends at its
 * closing quote or at a line break, a backslash escapes any next character, `//` and
 * `/* *\/` comments), so brackets inside them do not count and no bracket the parser would
 * see is missed. Where the two could disagree on damaged text, this pass only ever sees more
 * brackets, never fewer.
 */

/** Far beyond any real package.json or .depwarden.json (npm overrides nest a handful of
 * levels), far below where recursion runs out. */
export const MAX_JSON_DEPTH = 256;

export function deepNestingMessage(limit = MAX_JSON_DEPTH): string {
  return `nested deeper than ${limit} levels`;
}

/** The offset of the first `{` or `[` that opens level `limit + 1`, or undefined when the text stays within `limit`. */
export function findDeepNesting(text: string, limit = MAX_JSON_DEPTH): number | undefined {
  // No level can open beyond the number of `{` and `[` in the whole text (strings and
  // comments included): most files have fewer than the limit, and counting them with
  // indexOf spares the pass below, a loop over every character (a package.json is read
  // before the code is optimised, in a CLI run, where such loops are slowest).
  if (openingBrackets(text, limit) <= limit) return undefined;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return i;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
    } else if (c === 0x22 /* " */) {
      i = stringEnd(text, i + 1);
    } else if (c === 0x2f /* / */ && i + 1 < n) {
      const next = text.charCodeAt(i + 1);
      if (next === 0x2f) {
        // A line comment runs to the line break (which is then read as whitespace).
        i += 2;
        while (i < n && !isLineBreak(text.charCodeAt(i))) i++;
      } else if (next === 0x2a /* * */) {
        const close = text.indexOf('*/', i + 2);
        i = close < 0 ? n : close + 1;
      }
    }
  }
  return undefined;
}

/** How many `{` and `[` the text holds, counting no further than one past `atMost`. */
function openingBrackets(text: string, atMost: number): number {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1 && count <= atMost; i = text.indexOf(bracket, i + 1)) count++;
  }
  return count;
}

/** The index of the character that ends the string starting at `i` (its closing quote or a line break). */
function stringEnd(text: string, i: number): number {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i;
    if (c === 0x5c /* \ */) i++;
    else if (isLineBreak(c)) return i;
  }
  return i;
}

function isLineBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d;
}
