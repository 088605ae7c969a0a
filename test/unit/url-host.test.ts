import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hostOf } from '../../server/src/engine/data/url-host';

/** hostOf as it was written with a regex, before its plain-URL path became a loop: the oracle. */
function regexHostOf(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  const m = /^(https?):\/\/([a-z0-9.-]+)(:\d+)?(?=[/?#]|$)/.exec(url);
  if (m) {
    const port = m[3];
    const isDefault = port === undefined || (m[1] === 'https' ? port === ':443' : port === ':80');
    return isDefault ? m[2] : m[2] + port;
  }
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

test('hostOf: the host of http(s) URLs, default ports dropped, anything else undefined', () => {
  assert.equal(hostOf('https://registry.npmjs.org/a/-/a-1.0.0.tgz'), 'registry.npmjs.org');
  assert.equal(hostOf('https://registry.npmjs.org'), 'registry.npmjs.org');
  assert.equal(hostOf('http://localhost:4873/x'), 'localhost:4873');
  assert.equal(hostOf('https://h.example:443/x'), 'h.example');
  assert.equal(hostOf('http://h.example:80?q'), 'h.example');
  assert.equal(hostOf('HTTPS://Registry.NPMJS.org/x'), 'registry.npmjs.org');
  assert.equal(hostOf('https://user:pw@h.example/x'), 'h.example');
  assert.equal(hostOf('git+https://github.com/u/r.git'), undefined);
  assert.equal(hostOf('https://'), undefined);
  assert.equal(hostOf('${REGISTRY}/x'), undefined);
});

test('hostOf answers every URL shape as the regex it replaced', () => {
  const part = fc.constantFrom('https://', 'http://', 'HTTPS://', 'git+https://', 'registry.npmjs.org', 'a', 'A', '-', '.', ':', ':443', ':80', ':0', '1', '/', '?', '#', '@', 'x:y@', '[::1]', 'é', '%41', ' ', '');
  fc.assert(
    fc.property(fc.array(part, { maxLength: 7 }), (parts) => {
      const url = parts.join('');
      assert.equal(hostOf(url), regexHostOf(url), url);
    }),
    { numRuns: 20000 },
  );
});
