// Writes what is derived from the rule declarations (server/src/engine/rules/*.ts):
//   - package.json   contributes.configuration "depwarden.rules": one severity setting per rule
//   - schemas/depwarden.schema.json   every enum of rule ids, and the keys of every object keyed by rule id
//   - docs/rules/README.md   the index of the rule pages
// Run it after adding or changing a rule:  node --import tsx scripts/sync-rule-contributes.ts
// With --check it writes nothing and exits 1 when a file is out of date (contributes.test.ts
// runs the same comparison, so a forgotten run fails the unit tests).
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RULE_IDS, type RuleId } from '../server/src/engine/model';
import { RULE_CATALOG } from '../server/src/engine/rules/catalog';
import type { Rule } from '../server/src/engine/rules/context';

const SEVERITY_SETTING = ['off', 'hint', 'info', 'warning', 'error'];

/** The declaration of every public rule id, in the catalogue's order (RULE_IDS). */
function declarations(): Rule[] {
  return RULE_IDS.map((id) => {
    const rule = RULE_CATALOG[id];
    if (!rule) throw new Error(`rule "${id}" (model.ts RULE_IDS) has no declaration in server/src/engine/rules/index.ts`);
    return rule;
  });
}

function severitySetting(rule: Rule): Record<string, unknown> {
  return {
    type: 'string',
    enum: SEVERITY_SETTING,
    markdownDescription: `${rule.summary} Default: \`${rule.severity}\`. [Rule page](${rule.docs})`,
  };
}

function perRuleSettings(): Record<string, unknown> {
  return Object.fromEntries(declarations().map((r) => [r.id, severitySetting(r)]));
}

function isRuleId(s: unknown): s is RuleId {
  return typeof s === 'string' && (RULE_IDS as readonly string[]).includes(s);
}

/** Rewrites, in place, every list of rule ids and every object keyed by rule ids. */
function syncSchemaNode(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) syncSchemaNode(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (Array.isArray(obj.enum) && obj.enum.some(isRuleId)) obj.enum = [...RULE_IDS];
  const props = obj.properties as Record<string, unknown> | undefined;
  const ruleKeyed = props && typeof props === 'object' ? Object.keys(props).filter(isRuleId) : [];
  // Only an object keyed by nothing but rule ids: the policy file's top level also has a
  // "typosquat" key (its allow list), which is not a per-rule entry.
  if (props && ruleKeyed.length > 0 && ruleKeyed.length === Object.keys(props).length) {
    // The schema's own shape for one rule's entry (its author's choice) is kept; the set
    // and order of the keys is the declarations'.
    const template = JSON.stringify(props[ruleKeyed[0]]);
    obj.properties = Object.fromEntries(RULE_IDS.map((id) => [id, JSON.parse(template)]));
  }
  for (const value of Object.values(obj)) syncSchemaNode(value);
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

function docsIndex(): string {
  const lines = [
    '# Rules',
    '',
    '<!-- Generated from the rule declarations by scripts/sync-rule-contributes.ts: edit the rule, not this file. -->',
    '',
    'Every finding carries one of these ids. The severity is the default; each rule can be set',
    'to `off`, `hint`, `info`, `warning` or `error` (setting `depwarden.rules`, `.depwarden.json`).',
    '"Data" says what the rule reads: the workspace\'s files (local), the registry, or advisories.',
    '',
    '| id | default | data | what it means |',
    '|---|---|---|---|',
    ...declarations().map((r) => `| [\`${r.id}\`](${r.id}.md) | ${r.severity} | ${r.data.join(', ')} | ${r.summary.replace(/\|/g, '\\|')} |`),
    '',
  ];
  return lines.join('\n');
}

/** Each generated file: its path (relative to the repository root) and the text it should have. */
export function generatedFiles(root: string): { file: string; text: string }[] {
  const pkgPath = path.join(root, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  pkg.contributes.configuration.properties['depwarden.rules'].properties = perRuleSettings();
  const schemaPath = path.join(root, 'schemas/depwarden.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  syncSchemaNode(schema);
  return [
    { file: 'package.json', text: json(pkg) },
    { file: 'schemas/depwarden.schema.json', text: json(schema) },
    { file: 'docs/rules/README.md', text: docsIndex() },
  ];
}

function main(): void {
  const root = path.join(__dirname, '..');
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { file, text } of generatedFiles(root)) {
    const full = path.join(root, file);
    let current: string | undefined;
    try {
      current = readFileSync(full, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    stale++;
    if (check) console.error(`${file} is out of date: run node --import tsx scripts/sync-rule-contributes.ts`);
    else {
      writeFileSync(full, text);
      console.log(`wrote ${file}`);
    }
  }
  if (check && stale > 0) process.exit(1);
}

if (require.main === module) main();
