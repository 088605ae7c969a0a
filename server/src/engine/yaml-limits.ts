/**
 * Limits around the general YAML parsers (the `yaml` library, @yarnpkg/parsers), which
 * read what our own readers cannot: package-manager config files, and lockfiles outside
 * the subset their writers produce. Hostile text reaches them unchanged, so:
 *
 * - Depth. They recurse once per nesting level, and so do our walks over their results.
 *   A few thousand levels overflow the stack, and catching the RangeError is not enough:
 *   when the overflow happens while V8 compiles a regular expression the process aborts
 *   ("FATAL ERROR: RegExpCompiler Allocation failed"), as a deep YAML file reproduced. A
 *   deeper text is not handed to them (findDeepYamlNesting).
 * - Errors. The `yaml` library makes an Error, stack trace included, for each fault: a file
 *   of 128,000 ']' (128,000 errors) took 15 s, 400 times JSON.parse of the same size.
 *   Without stack traces it is within the library's cost on valid YAML (withoutStackTraces).
 * - Size, for config files (policy/package-manager-config.ts, where all of them are
 *   parsed): a few kilobytes in real projects.
 */
import { yamlLibrary } from './lazy-modules';

/** Far beyond any lockfile or package-manager config, well within what the parsers recurse through. */
export const MAX_YAML_DEPTH = 256;

/** pnpm-workspace.yaml and .yarnrc.yml run to a few kilobytes; a larger one is not read. */
export const MAX_CONFIG_YAML_LENGTH = 128 * 1024;

/**
 * Runs a parser with Error.stackTraceLimit at 0: its errors are messages with positions,
 * and capturing a stack for each of thousands of them dominated the time. (Synchronous,
 * so nothing else runs meanwhile; the limit is restored whatever happens.)
 */
export function withoutStackTraces<T>(parser: () => T): T {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parser();
  } finally {
    Error.stackTraceLimit = saved;
  }
}

/**
 * The offset where the text passes `limit` levels of nesting, or undefined when it stays
 * within. Read with the `yaml` library's lexer, which is iterative and tells quoted
 * scalars, comments and flow brackets apart exactly as the parser will. The count is an upper
 * bound: each open flow bracket is a level, each indentation column two (a block sequence
 * may sit at its parent key's column), and each `- `, `? ` or `: ` indicator on a line one
 * (a real file stays far below the limit: pnpm's lockfiles are indented at most 8 columns).
 * Reading stops as soon as the limit is passed.
 */
export function findDeepYamlNesting(text: string, limit = MAX_YAML_DEPTH): number | undefined {
  let offset = 0;
  let flow = 0;
  let indent = 0;
  let indicators = 0;
  let lineStart = true;
  const { CST, Lexer } = yamlLibrary();
  for (const token of new Lexer().lex(text)) {
    switch (CST.tokenType(token)) {
      case 'newline':
        lineStart = true;
        indent = 0;
        indicators = 0;
        break;
      case 'space':
        if (lineStart) indent = token.length;
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        lineStart = false;
        indicators++;
        break;
      case 'flow-map-start':
      case 'flow-seq-start':
        lineStart = false;
        flow++;
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        lineStart = false;
        if (flow > 0) flow--;
        break;
      default:
        lineStart = false;
    }
    if (flow + 2 * indent + indicators > limit) return offset;
    offset += sourceLength(token);
  }
  return undefined;
}

/** The lexer's control tokens (document start, scalar and flow-error markers) are not in the source. */
function sourceLength(token: string): number {
  const type = yamlLibrary().CST.tokenType(token);
  return type === 'doc-mode' || type === 'scalar' || type === 'flow-error-end' ? 0 : token.length;
}
