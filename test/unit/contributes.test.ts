import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { RULE_IDS } from '../../server/src/engine/model';

const root = path.join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

test('every setting, sub-setting and per-rule setting has a markdownDescription', () => {
  const missing: string[] = [];
  const visit = (name: string, schema: Record<string, any>) => {
    if (typeof schema.markdownDescription !== 'string' || schema.markdownDescription.trim() === '') missing.push(name);
    for (const [k, v] of Object.entries(schema.properties ?? {})) visit(`${name}.${k}`, v as Record<string, any>);
  };
  for (const [name, schema] of Object.entries(pkg.contributes.configuration.properties)) visit(name, schema as Record<string, any>);
  assert.deepEqual(missing, []);
  assert.deepEqual(Object.keys(pkg.contributes.configuration.properties['depwarden.rules'].properties), [...RULE_IDS]);
});

test('"depwarden: Show Report" is contributed and .depwarden.json is validated by a packaged schema', () => {
  const cmd = pkg.contributes.commands.find((c: { command: string }) => c.command === 'depwarden.showReport');
  assert.deepEqual(cmd, { command: 'depwarden.showReport', title: 'Show Report', category: 'depwarden' });
  const validation = pkg.contributes.jsonValidation.find((v: { fileMatch: string }) => v.fileMatch === '.depwarden.json');
  assert.ok(existsSync(path.join(root, validation.url)), validation.url);
  assert.match(readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!schemas\/\*\*$/m);
});
