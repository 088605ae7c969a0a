/**
 * The project configuration: `.depwarden.json` at the scan root is the team's policy,
 * committed with the code, so that the editor and `depwarden scan` in CI judge the same
 * dependencies the same way.
 *
 * ```json
 * { "rules": { "unpinned-range": "error", "no-repository": "off" },
 *   "allowedHosts": ["npm.pkg.github.com"],
 *   "typosquat": { "allow": ["expresss"] },
 *   "cooldownDays": 7, "newPackageDays": 60,
 *   "malwareFeeds": ["https://example.com/npm-malware.txt"],
 *   "suppressions": [ ... ] }
 * ```
 *
 * Precedence: built-in defaults < `.depwarden.json` < the user's VS Code settings < CLI
 * flags. The file is attacker input in an untrusted repository, so it may not choose
 * where package names are sent (registry, advisory service, public registries), nor any
 * network setting: those keys are refused with a message, as is every unknown key, so a
 * typo never reads as a policy that silently did not apply.
 *
 * Malware feeds are allowed: a feed is downloaded whole with a plain GET, no package
 * name is sent, and in VS Code's Restricted Mode the client forces offline, so a feed the
 * project names is never fetched there (it is reported as not checked).
 */
import { parseTree, type Node } from 'jsonc-parser';
import { defaultSettings, RULE_IDS, type ParseError, type PolicyLayer, type RuleId, type Settings, type SeveritySetting, type Span } from '../model';
import { findDeepNesting } from '../json-depth';
import { parseSuppressions, propertyValue, spanOf, type SuppressionFile } from './suppressions';

export const PROJECT_CONFIG_FILE = '.depwarden.json';

export interface ProjectConfig {
  /** False when the scan root has no `.depwarden.json`. */
  present: boolean;
  /** What the file sets; a key it does not set (or sets wrongly) is absent. */
  policy: PolicyLayer;
  suppressions: SuppressionFile;
  /** Policy values that could not be used and unknown keys (syntax errors are in suppressions.problems). */
  problems: ParseError[];
}

/** Keys that belong to the user alone, and why a project file may not set them. */
const USER_ONLY: Record<string, string> = {
  registry: 'it would choose where package names are sent',
  advisories: 'it would choose where package names are sent',
  publicRegistries: 'it would choose which package names are sent to the advisory service',
  offline: 'network use is the user\'s choice',
  proxy: 'network settings are the user\'s choice',
  enable: 'only the user can turn depwarden off',
  debounceMs: 'it is an editor setting',
  alerts: 'it is an editor setting',
};

const KNOWN_KEYS = ['$schema', 'rules', 'allowedHosts', 'typosquat', 'cooldownDays', 'newPackageDays', 'malwareFeeds', 'suppressions'];
const SEVERITIES = new Set(['off', 'hint', 'info', 'warning', 'error']);

/** Reads `.depwarden.json` (undefined: there is none). */
export function readProjectConfig(text: string | undefined): ProjectConfig {
  const empty = (): ProjectConfig => ({ present: text !== undefined, policy: {}, suppressions: { suppressions: [], problems: [] }, problems: [] });
  if (text === undefined) return empty();
  try {
    return parseProjectConfig(text, empty());
  } catch (e) {
    // A file the parser cannot take applies nothing and is said, like any other.
    const config = empty();
    config.problems.push({ message: `the parser failed: ${(e as Error).message}`, span: { start: 0, end: 0 } });
    return config;
  }
}

function parseProjectConfig(text: string, config: ProjectConfig): ProjectConfig {
  config.suppressions = parseSuppressions(text);
  // Too deep to parse safely: parseSuppressions reported it, and nothing of the file applies.
  if (text.trim() === '' || findDeepNesting(text) !== undefined) return config;
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (root?.type !== 'object') return config;
  const problem = (node: Node, message: string) => config.problems.push({ message, span: spanOf(node) });
  for (const prop of root.children ?? []) {
    const [keyNode, value] = prop.children ?? [];
    const key = keyNode?.value;
    if (typeof key !== 'string' || !value) continue;
    if (key in USER_ONLY) problem(keyNode, `"${key}" is ignored: a project file may not set it (${USER_ONLY[key]}); set it in your VS Code user settings or on the command line`);
    else if (!KNOWN_KEYS.includes(key)) problem(keyNode, `unknown property "${key}" (expected ${KNOWN_KEYS.slice(1).join(', ')})`);
  }
  readPolicy(root, config.policy, problem);
  return config;
}

function readPolicy(root: Node, policy: PolicyLayer, problem: (node: Node, message: string) => void): void {
  const rules = propertyValue(root, 'rules');
  if (rules) {
    if (rules.type !== 'object') problem(rules, '"rules" must be an object of rule id -> off|hint|info|warning|error');
    else {
      // Prototype-free: a key such as "__proto__" is just an unknown rule id.
      const out: Partial<Record<RuleId, SeveritySetting>> = Object.create(null);
      for (const prop of rules.children ?? []) {
        const [keyNode, value] = prop.children ?? [];
        const id = keyNode?.value;
        if (typeof id !== 'string' || !value) continue;
        if (!(RULE_IDS as readonly string[]).includes(id)) problem(keyNode, `"${id}" is not a depwarden rule id`);
        else if (value.type !== 'string' || !SEVERITIES.has(value.value)) problem(value, `the severity of "${id}" must be off, hint, info, warning or error`);
        else out[id as RuleId] = value.value as SeveritySetting;
      }
      policy.rules = out;
    }
  }
  for (const key of ['cooldownDays', 'newPackageDays'] as const) {
    const node = propertyValue(root, key);
    if (!node) continue;
    if (node.type === 'number' && Number.isFinite(node.value) && node.value >= 0) policy[key] = node.value;
    else problem(node, `"${key}" must be a number of days, 0 or more`);
  }
  const hosts = stringList(root, 'allowedHosts', problem);
  if (hosts) policy.allowedHosts = hosts;
  const typosquat = propertyValue(root, 'typosquat');
  if (typosquat) {
    if (typosquat.type !== 'object') problem(typosquat, '"typosquat" must be an object such as { "allow": ["name"] }');
    else {
      for (const prop of typosquat.children ?? []) {
        const key = prop.children?.[0];
        if (key && key.value !== 'allow') problem(key, `unknown property "typosquat.${key.value}" (expected allow)`);
      }
      const allow = stringList(typosquat, 'allow', problem);
      if (allow) policy.typosquatAllow = allow;
    }
  }
  const feeds = stringList(root, 'malwareFeeds', problem);
  if (feeds) {
    const bad = feeds.filter((u) => !isHttpUrl(u));
    if (bad.length) problem(propertyValue(root, 'malwareFeeds')!, `"malwareFeeds" must hold http(s) URLs; ignored: ${bad.map((u) => JSON.stringify(u)).join(', ')}`);
    policy.malwareFeeds = feeds.filter(isHttpUrl);
  }
}

/** A list of non-empty strings (trimmed); a wrong entry is a problem and is left out. */
function stringList(obj: Node, key: string, problem: (node: Node, message: string) => void): string[] | undefined {
  const node = propertyValue(obj, key);
  if (!node) return undefined;
  if (node.type !== 'array') {
    problem(node, `"${key}" must be an array of strings`);
    return undefined;
  }
  const out: string[] = [];
  for (const item of node.children ?? []) {
    if (item.type === 'string' && (item.value as string).trim() !== '') out.push((item.value as string).trim());
    else problem(item, `"${key}" must hold non-empty strings`);
  }
  return out;
}

/**
 * Writes into `settings` the values of the three layers: defaults, the project's policy,
 * the user's overrides. The user's layer is taken once from the settings as first seen
 * (their `overrides`, else what differs from the defaults) and kept on them, so applying
 * the policy of a changed file again starts from the same user layer.
 */
export function applyProjectPolicy(settings: Settings, policy: PolicyLayer): void {
  const user = (settings.overrides ??= explicitValues(settings));
  const d = defaultSettings();
  const rules: Partial<Record<RuleId, SeveritySetting>> = Object.create(null);
  Object.assign(rules, policy.rules, user.rules);
  settings.rules = rules;
  settings.cooldownDays = user.cooldownDays ?? policy.cooldownDays ?? d.cooldownDays;
  settings.newPackageDays = user.newPackageDays ?? policy.newPackageDays ?? d.newPackageDays;
  // Allow lists and feeds add up: the team's hosts stay allowed when a user adds one of theirs.
  settings.allowedHosts = union(policy.allowedHosts, user.allowedHosts);
  settings.typosquatAllow = union(policy.typosquatAllow, user.typosquatAllow);
  const feeds = union(policy.malwareFeeds, user.malwareFeeds);
  if (feeds.length) settings.malwareFeeds = feeds;
  else delete settings.malwareFeeds;
}

/** What a Settings value sets beyond the defaults (for settings built without `overrides`). */
/**
 * The user's layer of the policy. `setKeys` names the policy keys the user set (the VS Code
 * client reads them with `inspect()`); without it (CLI flags, an older client) every value
 * that differs from its default counts as set.
 */
export function explicitValues(settings: Settings, setKeys?: readonly (keyof PolicyLayer)[]): PolicyLayer {
  const d = defaultSettings();
  const isSet = (key: keyof PolicyLayer, differs: boolean) => (setKeys ? setKeys.includes(key) : differs);
  const out: PolicyLayer = {};
  if (isSet('rules', Object.keys(settings.rules).length > 0)) out.rules = { ...settings.rules };
  if (isSet('cooldownDays', settings.cooldownDays !== d.cooldownDays)) out.cooldownDays = settings.cooldownDays;
  if (isSet('newPackageDays', settings.newPackageDays !== d.newPackageDays)) out.newPackageDays = settings.newPackageDays;
  if (isSet('allowedHosts', settings.allowedHosts.length > 0)) out.allowedHosts = [...settings.allowedHosts];
  if (isSet('typosquatAllow', settings.typosquatAllow.length > 0)) out.typosquatAllow = [...settings.typosquatAllow];
  if (isSet('malwareFeeds', (settings.malwareFeeds?.length ?? 0) > 0)) out.malwareFeeds = [...(settings.malwareFeeds ?? [])];
  return out;
}

/** One line on what the project's file set, for the CLI's output ("3 rule overrides, cooldownDays 7, ..."). */
export function describePolicy(config: ProjectConfig): string[] {
  const p = config.policy;
  const parts: string[] = [];
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const rules = Object.keys(p.rules ?? {}).length;
  if (rules) parts.push(count(rules, 'rule override'));
  if (p.cooldownDays !== undefined) parts.push(`cooldownDays ${p.cooldownDays}`);
  if (p.newPackageDays !== undefined) parts.push(`newPackageDays ${p.newPackageDays}`);
  if (p.allowedHosts?.length) parts.push(count(p.allowedHosts.length, 'allowed host'));
  if (p.typosquatAllow?.length) parts.push(count(p.typosquatAllow.length, 'typosquat allowance'));
  if (p.malwareFeeds?.length) parts.push(count(p.malwareFeeds.length, 'malware feed'));
  if (config.suppressions.suppressions.length) parts.push(count(config.suppressions.suppressions.length, 'suppression'));
  const problems = config.problems.length + config.suppressions.problems.length;
  if (problems) parts.push(count(problems, 'problem'));
  return parts;
}

function union(a: string[] = [], b: string[] = []): string[] {
  return [...new Set([...a, ...b])];
}

function isHttpUrl(x: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(x).protocol);
  } catch {
    return false;
  }
}
