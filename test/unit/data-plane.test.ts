/**
 * The language server's data plane (engine/data/data-plane.ts) against a real loopback
 * registry: urgent names (the direct dependencies of an open package.json) go first, and
 * while they are outstanding only a couple of other lookups share the network and the CPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCache } from '../../server/src/engine/data/cache';
import { DataPlane } from '../../server/src/engine/data/data-plane';
import type { LookupNeeds } from '../../server/src/engine/data/fetch-remote';
import { defaultSettings } from '../../server/src/engine/model';
import { parseNpmrc } from '../../server/src/engine/policy/npmrc';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { inThreadDecoder } from '../../server/src/engine/data/packument-decoder';

function needsOf(names: string[]): LookupNeeds {
  return { names: new Map(names.map((n) => [n, new Set(['1.0.0'])])), lockedPairs: [], specs: [] };
}

function planeFor(reg: FakeRegistry): DataPlane {
  const settings = { ...defaultSettings(), offline: false, registry: reg.url, advisories: null, publicRegistries: [reg.url] };
  return new DataPlane(settings, parseNpmrc([]), { cache: createCache() });
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function registryWith(names: string[]): Promise<FakeRegistry> {
  const reg = await startFakeRegistry();
  for (const n of names) reg.addPackage(n, { versions: { '1.0.0': {} } });
  return reg;
}

const background = Array.from({ length: 40 }, (_, i) => `bg-${String(i).padStart(2, '0')}`);
const urgent = ['direct-a', 'direct-b', 'direct-c'];

test('urgent names are asked first, with at most two other lookups in flight until they land', async (t) => {
  const reg = await registryWith([...background, ...urgent]);
  t.after(() => reg.close());
  reg.pause();
  const plane = planeFor(reg);
  let urgentDone = 0;
  plane.onLanded = (l) => void (l.urgentDone && urgentDone++);
  assert.equal(plane.request(needsOf([...background, ...urgent]), { urgent: new Set(urgent) }), true);
  // Nothing is answered yet: the workers took the urgent names and two others, the rest wait.
  await until(() => reg.requests.length >= urgent.length + 2, 'the first requests');
  await new Promise((r) => setTimeout(r, 200));
  const asked = reg.requests.map((r) => r.name);
  assert.deepEqual(asked.slice(0, 3).sort(), urgent, asked.join(', '));
  assert.equal(asked.length, urgent.length + 2, `in flight while urgent ones were outstanding: ${asked.join(', ')}`);
  reg.resume();
  await plane.idle();
  assert.equal(reg.requests.length, background.length + urgent.length);
  assert.equal(urgentDone >= 1, true);
  for (const n of [...background, ...urgent]) assert.equal(plane.data.packuments.get(n)?.status, 'ok', n);
});

test('names promoted to urgent while others are in flight are taken next, and the rest waits for them', async (t) => {
  const reg = await registryWith([...background, ...urgent]);
  t.after(() => reg.close());
  reg.pause();
  const plane = planeFor(reg);
  plane.request(needsOf([...background, ...urgent]));
  await until(() => reg.requests.length >= 16, 'sixteen background requests');
  // The person opens the package.json that declares them: they are promoted.
  plane.request(needsOf(urgent), { urgent: new Set(urgent) });
  // The sixteen are answered; what is asked next is held unanswered, so that what the
  // plane asks while the urgent names are outstanding can be seen.
  reg.resume();
  reg.pause();
  await until(() => reg.requests.length >= 16 + urgent.length + 2, 'the next requests');
  await new Promise((r) => setTimeout(r, 200));
  const next = reg.requests.slice(16).map((r) => r.name);
  assert.deepEqual(next.filter((n) => urgent.includes(n)).sort(), urgent, next.join(', '));
  assert.equal(next.length, urgent.length + 2, `asked while the urgent ones were outstanding: ${next.join(', ')}`);
  reg.resume();
  await plane.idle();
  assert.equal(reg.requests.length, background.length + urgent.length);
  for (const n of [...background, ...urgent]) assert.equal(plane.data.packuments.get(n)?.status, 'ok', n);
});

test('cancelling while workers wait for urgent lookups ends the run', async (t) => {
  const reg = await registryWith([...background, ...urgent]);
  t.after(() => reg.close());
  reg.pause();
  const plane = planeFor(reg);
  plane.request(needsOf([...background, ...urgent]), { urgent: new Set(urgent) });
  await until(() => reg.requests.length >= urgent.length + 2, 'the first requests');
  plane.cancel();
  reg.resume();
  await plane.idle();
  assert.equal(plane.busy, false);
  assert.ok(reg.requests.length <= urgent.length + 2, `asked ${reg.requests.length} after the cancel`);
});

test('answers waiting for the decoder do not hold the request slots: more names are asked meanwhile', async (t) => {
  const names = Array.from({ length: 8 }, (_, i) => `slow-decode-${i}`);
  const reg = await registryWith(names);
  t.after(() => reg.close());
  // A decoder that holds every answer until told.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const decoding: string[] = [];
  const decoder = () => ({
    warm: () => undefined,
    close: async () => undefined,
    async decode(bytes: Buffer, name: string) {
      decoding.push(name);
      await gate;
      return inThreadDecoder.decode(bytes, name);
    },
  });
  const settings = { ...defaultSettings(), offline: false, registry: reg.url, advisories: null, publicRegistries: [reg.url] };
  const plane = new DataPlane(settings, parseNpmrc([]), { cache: createCache(), http: { concurrency: 2 }, decoder });
  plane.request(needsOf(names));
  // Two requests at a time, and twice as many lookups: two more names are asked while the first answers wait.
  await until(() => decoding.length >= 4, 'four answers at the decoder');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(reg.requests.length, 4, reg.requests.map((r) => r.name).join(', '));
  open();
  await plane.idle();
  assert.equal(reg.requests.length, names.length);
  for (const n of names) assert.equal(plane.data.packuments.get(n)?.status, 'ok', n);
});
