import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RULE_IDS, defaultSettings, type Finding } from '../../server/src/engine/model';
import { RULES } from '../../server/src/engine/rules';
import { RULE_CATALOG } from '../../server/src/engine/rules/catalog';
import { defineRule } from '../../server/src/engine/rules/context';
import { buildProject } from '../../server/src/engine/project';
import { scanFiles } from '../../server/src/engine/scan';
import { generatedFiles } from '../../scripts/sync-rule-contributes';

const root = path.join(__dirname, '../..');

test('every rule id has exactly one declaration in RULES, and RULES declares no other id', () => {
  const declared = RULES.map((r) => r.id);
  assert.deepEqual([...declared].sort(), [...RULE_IDS].sort());
  assert.equal(new Set(declared).size, declared.length, 'an id is declared twice');
  for (const id of RULE_IDS) assert.equal(RULE_CATALOG[id]?.id, id);
});

test('every declaration is complete: summary, data it reads, fix kinds, and a docs page that exists', () => {
  for (const r of RULES) {
    assert.ok(r.summary.trim().endsWith('.'), `${r.id}: summary`);
    assert.ok(r.data.length > 0, `${r.id}: data`);
    assert.ok(Array.isArray(r.fixes), `${r.id}: fixes`);
    assert.ok(r.docs.endsWith(`/docs/rules/${r.id}.md`), `${r.id}: docs ${r.docs}`);
    assert.ok(existsSync(path.join(root, 'docs/rules', `${r.id}.md`)), `docs/rules/${r.id}.md is missing`);
  }
});

test('package.json settings, the schema enums and the docs index are what the declarations generate', () => {
  for (const { file, text } of generatedFiles(root)) {
    const current = existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), 'utf8') : '';
    assert.ok(current === text, `${file} is out of date: run node --import tsx scripts/sync-rule-contributes.ts`);
  }
});

test('ctx.report fills in the rule id and the default severity; a report may raise it', () => {
  const rule = defineRule({
    id: 'no-repository',
    summary: 'A test rule.',
    severity: 'hint',
    data: ['local'],
    fixes: [],
    check(ctx) {
      ctx.report({ message: 'quiet', file: 'package.json', span: { start: 0, end: 1 }, version: null });
      ctx.report({ message: 'loud', severity: 'error', file: 'package.json', span: { start: 0, end: 1 }, version: null, evidence: undefined });
    },
  });
  const findings = rule.run({ project: buildProject([]), settings: defaultSettings(), now: new Date() });
  const expected: Finding[] = [
    { rule: 'no-repository', severity: 'hint', message: 'quiet', file: 'package.json', span: { start: 0, end: 1 }, version: null, fixes: [] },
    { rule: 'no-repository', severity: 'error', message: 'loud', file: 'package.json', span: { start: 0, end: 1 }, version: null, fixes: [] },
  ];
  assert.deepEqual(findings, expected);
});

test('a rule that reads only remote data does not run without it; local rules do', () => {
  const files = [{ path: 'package.json', text: '{ "dependencies": { "left-pad": "*" } }' }];
  const rules = new Set(scanFiles(files).findings.map((f) => f.rule));
  assert.ok(rules.has('unpinned-range'));
  for (const r of RULES) if (!r.data.includes('local')) assert.ok(!rules.has(r.id), r.id);
});
