/**
 * A folder's first scan sends its lookups before its rules run (pipeline.ts
 * lookUpBeforeFirstScan): the requests are on their way while the rules take the event
 * loop, instead of leaving after the first publish.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { openProject } from '../support/lsp-project';

test('the first scan asks the registry before it publishes its local findings', async (t) => {
  const reg = await startFakeRegistry();
  for (const name of ['alpha', 'beta']) reg.addPackage(name, { versions: { '1.0.0': {} } });
  reg.pause(); // the lookups stay in flight: "looking up" holds until resume
  const manifest = JSON.stringify({ name: 'app', dependencies: { alpha: '1.0.0', beta: '1.0.0' } }, null, 2);
  const { client, dir } = await openProject(t, { 'package.json': manifest }, { settings: { offline: false, debounceMs: 0, registry: reg.url, advisories: { enabled: false } }, servers: [reg] });
  const uri = uriOf(path.join(dir, 'package.json'));
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: manifest } });
  await client.waitFor(() => client.publishes.length > 0 && reg.requests.length > 0, 'the first publish and a request');
  // Notifications arrive in the order the server sent them: "looking up" came first.
  let lookingUpAt = -1;
  let statusSeen = 0;
  for (let i = 0; i < client.arrivals.length && lookingUpAt === -1; i++) {
    if (client.arrivals[i] === 'status' && (client.statuses[statusSeen++] as { lookingUp: boolean }).lookingUp) lookingUpAt = i;
  }
  const firstPublish = client.arrivals.indexOf('publish');
  assert.ok(lookingUpAt !== -1 && lookingUpAt < firstPublish, `arrivals: ${client.arrivals.join(', ')}`);
  reg.resume();
  await client.waitFor(() => {
    const last = client.statuses.at(-1) as { lookingUp: boolean } | undefined;
    return last && !last.lookingUp;
  }, 'the lookups to end', 20000);
  assert.equal(reg.requestsFor('alpha').length, 1);
  assert.equal(reg.requestsFor('beta').length, 1);
});
