/**
 * The package managers' own config files (.npmrc, pnpm-workspace.yaml, .yarnrc.yml,
 * bunfig.toml), parsed once per scan into the project (project.packageManagerConfig).
 *
 * Policies read their settings from here: scripts (script-policy.ts), release age
 * (release-age.ts), scope registries (dependency-confusion). A file that cannot be parsed
 * is reported as `unparsed-file`, never read as "no settings": the package manager itself
 * would refuse it, and a policy that silently falls back to defaults (a broken .yarnrc.yml
 * mapping no scopes) would look like a checked, clean project.
 */
import { yamlLibrary } from '../lazy-modules';
import type { ParseError, Span } from '../model';
import { PACKAGE_MANAGER_CONFIG_FILE, type PackageManagerName } from '../lockfile/formats';
import { parseNpmrc } from './npmrc';
import { readToml } from './toml';
import { findDeepYamlNesting, MAX_CONFIG_YAML_LENGTH, MAX_YAML_DEPTH, withoutStackTraces } from '../yaml-limits';

export interface PackageManagerConfigFile {
  path: string;
  manager: PackageManagerName;
  /**
   * The settings as the package manager reads them: YAML and TOML as nested values,
   * .npmrc as key -> string (the last assignment wins). Empty when the file is broken.
   */
  settings: Record<string, unknown>;
  /** Why it could not be read; each becomes an unparsed-file finding. */
  parseErrors: ParseError[];
  /** What the errors cost, for the finding: a broken YAML or TOML file applies nothing, a bad .npmrc value only itself. */
  lost: string;
}

const MANAGER_OF_FILE = new Map(Object.entries(PACKAGE_MANAGER_CONFIG_FILE).map(([manager, file]) => [file, manager as PackageManagerName]));

/** The package manager whose config file this is, by base name. */
export function managerOfConfigPath(path: string): PackageManagerName | undefined {
  return MANAGER_OF_FILE.get(path.slice(path.lastIndexOf('/') + 1));
}

/** Parses a package-manager config file; undefined for any other file. */
export function parsePackageManagerConfig(path: string, text: string): PackageManagerConfigFile | undefined {
  const manager = managerOfConfigPath(path);
  if (!manager) return undefined;
  // A broken YAML or TOML file applies nothing (the package manager stops on it too); in
  // .npmrc only the values npm would not take are dropped (npm ignores them with a warning).
  let read: ReadResult;
  try {
    read = manager === 'npm' ? readNpmrc(text) : manager === 'bun' ? readToml(text) : readYamlSettings(text);
  } catch (e) {
    // A parser that throws (the yaml library on very deep nesting overflows the stack) still
    // leaves a finding, not a file that silently applies nothing.
    read = { settings: {}, errors: [{ message: `the parser failed: ${(e as Error).message}`, span: { start: 0, end: 0 } }] };
  }
  const lost = manager === 'npm' ? 'npm ignores that value, and so did depwarden' : 'none of the settings in it were applied';
  return { path, manager, settings: read.settings, parseErrors: read.errors, lost };
}

interface ReadResult {
  settings: Record<string, unknown>;
  errors: ParseError[];
}

/**
 * The one place config YAML is parsed, so the limits of yaml-limits.ts apply here: a file
 * over MAX_CONFIG_YAML_LENGTH or nested deeper than MAX_YAML_DEPTH is not handed to the
 * yaml library (a deep one can abort the process, not just throw), and its per-error
 * stack traces are not captured. Either refusal is a parse error of the file, reported.
 */
function readYamlSettings(text: string): ReadResult {
  if (text.length > MAX_CONFIG_YAML_LENGTH) {
    return { settings: {}, errors: [{ message: `the file is larger than ${MAX_CONFIG_YAML_LENGTH / 1024} KiB, far beyond a real config file`, span: { start: 0, end: 0 } }] };
  }
  const deep = findDeepYamlNesting(text);
  if (deep !== undefined) {
    return { settings: {}, errors: [{ message: `nested more than ${MAX_YAML_DEPTH} levels deep`, span: { start: deep, end: Math.min(text.length, deep + 1) } }] };
  }
  const doc = withoutStackTraces(() => yamlLibrary().parseDocument(text));
  if (doc.errors.length) return { settings: {}, errors: doc.errors.map((e) => ({ message: firstLine(e.message), span: { start: e.pos[0], end: e.pos[1] } })) };
  let value: unknown;
  try {
    // toJS throws on alias bombs (more aliases than maxAliasCount).
    value = withoutStackTraces(() => doc.toJS());
  } catch (e) {
    return { settings: {}, errors: [{ message: (e as Error).message, span: { start: 0, end: 0 } }] };
  }
  if (value === null || value === undefined) return { settings: {}, errors: [] };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { settings: {}, errors: [{ message: 'the top level is not a mapping of settings', span: { start: 0, end: Math.min(text.length, 1) } }] };
  }
  return { settings: value as Record<string, unknown>, errors: [] };
}

/** The yaml library's message without the source excerpt it appends. */
function firstLine(message: string): string {
  const line = message.split('\n')[0];
  return line.endsWith(':') ? line.slice(0, -1) : line;
}

/**
 * The values npm accepts for the policy keys depwarden reads. npm warns about any other
 * value and ignores it, so such a line turns the policy off while looking set: reported.
 */
const NPM_POLICY_VALUES: Record<string, { expected: string; accepts(value: string): boolean }> = {
  'ignore-scripts': { expected: 'true or false', accepts: isBoolean },
  'ignore-dep-scripts': { expected: 'true or false', accepts: isBoolean },
  'strict-allow-scripts': { expected: 'true or false', accepts: isBoolean },
  'dangerously-allow-all-scripts': { expected: 'true or false', accepts: isBoolean },
  'min-release-age': { expected: 'a number of days', accepts: (v) => v.trim() !== '' && Number.isFinite(Number(v)) && Number(v) >= 0 },
  before: { expected: 'a date', accepts: (v) => v.trim() !== '' && !Number.isNaN(new Date(v).getTime()) },
};

function isBoolean(value: string): boolean {
  return value === 'true' || value === 'false';
}

/**
 * The project's .npmrc as npm's policy reads it (the untrusted layer: no `${VAR}`, no
 * network keys; npmrc.ts). ini accepts nearly any text, so what is reported is a policy
 * key whose final value npm would not take.
 */
function readNpmrc(text: string): ReadResult {
  const settings: Record<string, unknown> = { ...parseNpmrc([], {}, text).raw };
  const errors: ParseError[] = [];
  for (const [key, rule] of Object.entries(NPM_POLICY_VALUES)) {
    const value = settings[key];
    if (typeof value !== 'string' || rule.accepts(value)) continue;
    errors.push({ message: `${key}=${value} is not ${rule.expected}`, span: lastAssignment(text, key) });
    delete settings[key];
  }
  return { settings, errors };
}

/** The `key=value` line that set the key last (the one npm applies). */
function lastAssignment(text: string, key: string): Span {
  let found: Span = { start: 0, end: 0 };
  let from = 0;
  while (from <= text.length) {
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    const line = text.slice(from, end);
    const eq = line.indexOf('=');
    if (eq >= 0 && line.slice(0, eq).trim() === key) {
      const lead = line.length - line.trimStart().length;
      found = { start: from + lead, end: from + line.trimEnd().length };
    }
    from = end + 1;
  }
  return found;
}

/** The value at a key path in parsed settings (own keys only: names come from the file). */
export function settingAt(settings: Record<string, unknown>, path: readonly string[]): unknown {
  let at: unknown = settings;
  for (const key of path) {
    if (!at || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
