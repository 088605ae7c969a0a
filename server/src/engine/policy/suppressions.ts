/**
 * Suppressions: `.depwarden.json` at the scan root (the project configuration, see
 * project-config.ts, which reads the file) lists findings a person has reviewed
 * and accepted, each with a reason. A suppression names one rule, one package and a
 * version (exact, a semver range, or "*"), so that accepting foo@1.0.0 does not silently
 * accept a later, possibly hijacked foo@1.0.1.
 *
 * ```json
 * { "suppressions": [
 *   { "rule": "install-script", "package": "esbuild", "version": "0.21.5",
 *     "reason": "official binary download", "expires": "2026-01-31" } ] }
 * ```
 */
import { parseTree, printParseErrorCode, type Node, type ParseError as JsoncError } from 'jsonc-parser';
import semver from 'semver';
import { RULE_IDS, type Finding, type ParseError, type RuleId, type Settings, type Span } from '../model';
import type { Project } from '../project';
import { deepNestingMessage, findDeepNesting } from '../json-depth';

export const SUPPRESSION_FILE = '.depwarden.json';

export interface Suppression {
  rule: RuleId;
  package: string;
  /** Exact version, semver range, or "*" (any version, and findings with no version). */
  version: string;
  reason: string;
  /** As written (ISO date or date-time). */
  expires?: string;
  /** The instant it stops applying (a date-only value lasts through that day, UTC). */
  expiresAt?: number;
  /** The entry's object in the file. */
  span: Span;
}

export interface SuppressionFile {
  suppressions: Suppression[];
  /** Syntax errors and entries that could not be understood (those entries are ignored). */
  problems: ParseError[];
}

/** Reads `.depwarden.json`. An empty file means no suppressions (it is what an editor creates first). */
export function parseSuppressions(text: string): SuppressionFile {
  const out: SuppressionFile = { suppressions: [], problems: [] };
  if (text.trim() === '') return out;
  // Deeper than any real policy file, and deep enough to overflow jsonc-parser's recursion.
  const deep = findDeepNesting(text);
  if (deep !== undefined) {
    out.problems.push({ message: deepNestingMessage(), span: { start: deep, end: deep + 1 } });
    return out;
  }
  const errors: JsoncError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  for (const e of errors) {
    // At least one character wide, but never past the end: an editor and the CLI would place an end beyond the text differently.
    out.problems.push({ message: `JSON syntax error: ${printParseErrorCode(e.error)}`, span: { start: e.offset, end: Math.min(Math.max(e.offset + e.length, e.offset + 1), text.length) } });
  }
  if (!root) return out;
  if (root.type !== 'object') {
    out.problems.push({ message: 'the file must hold an object with a "suppressions" array', span: spanOf(root) });
    return out;
  }
  const list = propertyValue(root, 'suppressions');
  if (!list) return out;
  if (list.type !== 'array') {
    out.problems.push({ message: '"suppressions" must be an array', span: spanOf(list) });
    return out;
  }
  (list.children ?? []).forEach((entry, i) => {
    const parsed = readEntry(entry);
    if (typeof parsed === 'string') out.problems.push({ message: `suppression ${i + 1} is ignored: ${parsed}`, span: spanOf(entry) });
    else out.suppressions.push(parsed);
  });
  return out;
}

const ENTRY_KEYS = ['rule', 'package', 'version', 'reason', 'expires'];

/** The entry, or why it cannot be used. */
function readEntry(node: Node): Suppression | string {
  if (node.type !== 'object') return 'it must be an object';
  // A misspelt key (say "expiry") would otherwise make a suppression silently permanent.
  const unknown = (node.children ?? []).map((p) => p.children?.[0]?.value).find((k) => !ENTRY_KEYS.includes(k));
  if (unknown !== undefined) return `unknown property "${unknown}" (expected ${ENTRY_KEYS.join(', ')})`;
  const str = (key: string): string | undefined => {
    const v = propertyValue(node, key);
    return v?.type === 'string' && (v.value as string).trim() !== '' ? (v.value as string).trim() : undefined;
  };
  const rule = str('rule');
  const pkg = str('package');
  const version = str('version');
  const reason = str('reason');
  const expires = str('expires');
  if (!rule) return '"rule" is missing';
  if (!(RULE_IDS as readonly string[]).includes(rule)) return `"${rule}" is not a depwarden rule id`;
  if (!pkg) return '"package" is missing';
  if (!version) return '"version" is missing (an exact version, a semver range, or "*" for any version)';
  if (!reason) return '"reason" is missing: say why the finding is acceptable';
  const s: Suppression = { rule: rule as RuleId, package: pkg, version, reason, span: spanOf(node) };
  if (propertyValue(node, 'expires') && !expires) return '"expires" must be an ISO date such as "2026-01-31"';
  if (expires) {
    const at = /^\d{4}-\d{2}-\d{2}$/.test(expires) ? Date.parse(`${expires}T23:59:59.999Z`) : Date.parse(expires);
    if (Number.isNaN(at)) return `"expires" is not an ISO date: "${expires}"`;
    s.expires = expires;
    s.expiresAt = at;
  }
  return s;
}

export function suppressionMatches(s: Suppression, f: Finding): boolean {
  if (s.rule !== f.rule || s.package !== f.package) return false;
  if (s.version === '*') return true;
  const v = f.version;
  if (!v) return false;
  if (s.version === v) return true;
  const exact = semver.valid(s.version, { loose: true });
  if (exact) return semver.valid(v, { loose: true }) === exact;
  if (semver.validRange(s.version, { loose: true }) === null || !semver.valid(v, { loose: true })) return false;
  return semver.satisfies(v, s.version, { loose: true, includePrerelease: true });
}

/**
 * Marks the findings that a live suppression covers, and returns findings about the
 * suppression file itself: its problems (as `unparsed-file`, since a broken entry
 * silences nothing) and the suppressions that expired (as info findings of their rule).
 */
export function applySuppressions(project: Project, findings: Finding[], settings: Settings, now: Date): Finding[] {
  // The file's own problems keep the severity the user gives unparsed-file (default
  // error), not the one the file gives it: a policy cannot hide that it is broken.
  const severity = (settings.overrides ? settings.overrides.rules?.['unparsed-file'] : settings.rules['unparsed-file']) ?? 'error';
  // buildProject read the file (project-config.ts), with its policy keys.
  const config = project.config;
  if (!config?.present) return [];
  const extra: Finding[] = [];
  const file = config.suppressions;
  if (severity !== 'off') {
    for (const p of boundedProblems([...file.problems, ...config.problems])) {
      extra.push({
        rule: 'unparsed-file',
        severity,
        message: `${SUPPRESSION_FILE}: ${p.message}.`,
        file: SUPPRESSION_FILE,
        span: p.span,
        fixes: [],
      });
    }
  }
  const live = file.suppressions.filter((s) => s.expiresAt === undefined || s.expiresAt >= now.getTime());
  for (const f of findings) {
    if (f.suppressed) continue;
    const s = live.find((x) => suppressionMatches(x, f));
    if (s) f.suppressed = { reason: s.reason };
  }
  for (const s of file.suppressions) {
    if (s.expiresAt === undefined || s.expiresAt >= now.getTime() || settings.rules[s.rule] === 'off') continue;
    const matched = findings.filter((f) => !f.suppressed && suppressionMatches(s, f)).length;
    const consequence = matched === 0 ? 'it matches no current finding and can be removed' : `${matched} finding${matched === 1 ? ' is' : 's are'} reported again`;
    extra.push({
      rule: s.rule,
      severity: 'info',
      message: `The suppression of ${s.rule} for ${s.package}@${s.version} expired on ${s.expires}: ${consequence}. Review it, then renew or remove it.`,
      file: SUPPRESSION_FILE,
      span: s.span,
      package: s.package,
      version: null,
      fixes: [],
      evidence: [`reason given: ${s.reason}`],
    });
  }
  return extra;
}

/** The file is attacker input: a million bad entries are a handful of diagnostics and a count, not a million. */
const MAX_PROBLEMS = 50;

function boundedProblems(problems: ParseError[]): ParseError[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const rest = problems.length - MAX_PROBLEMS;
  return [...problems.slice(0, MAX_PROBLEMS), { message: `and ${rest} more problem${rest === 1 ? '' : 's'} like these`, span: problems[MAX_PROBLEMS].span }];
}

/** The value of the last `key` property of a JSON object node (the last one wins, as in JSON.parse). */
export function propertyValue(obj: Node, key: string): Node | undefined {
  let found: Node | undefined;
  for (const prop of obj.children ?? []) if (prop.children?.[0]?.value === key) found = prop.children[1];
  return found;
}

export function spanOf(node: Node): Span {
  return { start: node.offset, end: node.offset + node.length };
}
