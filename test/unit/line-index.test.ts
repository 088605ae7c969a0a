import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineIndex } from '../../server/src/cli/line-index';

/** The plain definition: a line ends at \n, \r\n or a lone \r. */
function positionOf(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
      start = i + 1;
    }
  }
  return { line, character: offset - start };
}

test('positions follow \\n, \\r\\n and lone \\r line breaks, with or without any \\r in the text', () => {
  const char = fc.constantFrom('a', 'é', '\n', '\r', ' ', '"');
  fc.assert(
    fc.property(fc.array(char, { maxLength: 60 }).map((a) => a.join('')), fc.nat(), (text, n) => {
      const index = new LineIndex(text);
      const offset = text.length === 0 ? 0 : n % (text.length + 1);
      assert.deepEqual(index.position(offset), positionOf(text, offset));
    }),
    { numRuns: 2000 },
  );
  const lf = new LineIndex('ab\ncd\n\nef');
  assert.deepEqual(lf.position(3), { line: 1, character: 0 });
  assert.deepEqual(lf.position(7), { line: 3, character: 0 });
});
