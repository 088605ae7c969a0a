import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTree, type Node } from 'jsonc-parser';
import { parseJsonDocument, type JsonMember, type JsonOutline } from '../../server/src/engine/lockfile/json-spans';

/** Every object member as key|key span|member span|value start, depth first (objects inside arrays are left out: the outline lists only object members). */
function fromOutline(outline: JsonOutline, of: JsonMember | null, out: string[], text: string): void {
  const members = outline.members(of);
  for (const m of members) out.push(`${m.key}|${m.keySpan.start}-${m.keySpan.end}|${m.span.start}-${m.span.end}|${m.valueStart}`);
  for (const m of members) if (text[m.valueStart] === '{') fromOutline(outline, m, out, text);
}

/** The same from jsonc-parser's tree. */
function treeWithoutArrays(node: Node | undefined, out: string[]): void {
  if (!node || node.type !== 'object') return;
  for (const prop of node.children ?? []) {
    const [k, v] = prop.children!;
    out.push(`${k.value}|${k.offset}-${k.offset + k.length}|${prop.offset}-${prop.offset + prop.length}|${v.offset}`);
  }
  for (const prop of node.children ?? []) treeWithoutArrays(prop.children![1], out);
}

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a"b', 'x\\', '{', '[]', 'node_modules/a', '\u00e9'));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, fc.constantFrom(null, true, false, 0, -1.5e3, 'x', 'a"}]{[', '\\', ''), fc.string({ maxLength: 5 }), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 5 })),
})).v;

test('the fast outline lists every object member exactly where jsonc-parser puts it, with and without the bracket index', () => {
  fc.assert(
    fc.property(fc.dictionary(key, value, { maxKeys: 6 }), fc.constantFrom(0, 1, 2, '\t'), fc.boolean(), (doc, indent, indexed) => {
      const text = JSON.stringify(doc, null, indent);
      const parsed = parseJsonDocument(text, { jsonc: false });
      assert.deepEqual(parsed.errors, []);
      if (indexed) assert.equal(parsed.outline.indexBrackets(256), undefined);
      const fast: string[] = [];
      fromOutline(parsed.outline, null, fast, text);
      const slow: string[] = [];
      treeWithoutArrays(parseTree(text), slow);
      assert.deepEqual(fast, slow, text);
    }),
    { numRuns: 3000 },
  );
});

test('indexBrackets names the bracket that goes one level too deep', () => {
  const text = '{"a":' + '['.repeat(10) + ']'.repeat(10) + '}';
  const { outline } = parseJsonDocument(text, { jsonc: false });
  assert.equal(outline.indexBrackets(11), undefined);
  assert.equal(parseJsonDocument(text, { jsonc: false }).outline.indexBrackets(10), 5 + 9);
});
