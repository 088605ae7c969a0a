/**
 * The language server at monorepo scale (issue #15, "Done when"): the real server
 * (dist/server.js over stdio) on copies of theia and sentry, against a loopback registry
 * that answers every package after a latency, with the default debounce.
 *
 *  - typed typosquat → squiggle while the cold lookup runs (target ≤ 500 ms);
 *  - the cold lookup itself: time to the first remote finding, time to the end, publishes;
 *  - VS Code's background churn: workspace package.json files only opened and closed
 *    (target 0 lookups, ≤ 1 publish per folder).
 *
 * Run alone: `node --import tsx bench/run.ts pipeline` (after npm run build).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { discoverProjectFiles } from '../server/src/engine/discover';
import { lookupNeeds } from '../server/src/engine/data/fetch-remote';
import { buildProject } from '../server/src/engine/project';
import { LspTestClient, uriOf } from '../test/support/lsp-client';
import { startFakeRegistry, type FakePackage } from '../test/support/fake-registry';
import { fmt } from './stats';

const CORPUS = path.resolve(__dirname, '../../shared/corpus/lockfiles');
const OLD = '2021-01-01T00:00:00.000Z';
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);

type Status = { lookingUp: boolean };

export async function benchPipeline(): Promise<void> {
  if (!existsSync(path.resolve(__dirname, '../dist/server.js'))) {
    console.log('\nlanguage server pipeline: dist/server.js missing (run npm run build)');
    return;
  }
  console.log(`\nlanguage server pipeline (dist/server.js over stdio; loopback registry, ${LATENCY_MS} ms latency per request; default debounce)`);
  for (const corpus of ['theia-npm-v3', 'sentry-javascript-yarn-v1']) {
    try {
      await benchOne(corpus);
    } catch (e) {
      console.log(`  ${corpus}: failed: ${(e as Error).message.slice(0, 500)}`);
    }
  }
}

async function benchOne(corpus: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), `depwarden-bench-${corpus}-`));
  cpSync(path.join(CORPUS, corpus), dir, { recursive: true });
  const { files } = await discoverProjectFiles(dir);
  const needs = lookupNeeds(buildProject(files));
  const reg = await startFakeRegistry();
  reg.latencyMs = LATENCY_MS;
  for (const [name, versions] of needs.names) {
    const pkg: FakePackage = { created: OLD, versions: {} };
    for (const v of versions.size ? versions : ['1.0.0']) pkg.versions[v] = { time: OLD, repository: 'https://github.com/x/y' };
    reg.addPackage(name, pkg);
  }
  const client = new LspTestClient();
  client.settings = { offline: false, registry: reg.url, advisories: { enabled: false } };
  client.extraCapabilities = { window: { workDoneProgress: true } };
  const lookingUp = () => (client.statuses.at(-1) as Status | undefined)?.lookingUp === true;
  try {
    const t0 = Date.now();
    await client.initialize(dir);
    const rootFile = path.join(dir, 'package.json');
    const rootUri = uriOf(rootFile);
    const rootText = readFileSync(rootFile, 'utf8');
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: rootUri, languageId: 'json', version: 1, text: rootText } });
    await client.waitFor(() => lookingUp(), 'the cold lookup to start', 60_000);
    const started = reg.requests.length;

    // Typed while the cold lookup runs.
    const section = /"devDependencies"\s*:\s*\{/.exec(rootText) ?? /"dependencies"\s*:\s*\{/.exec(rootText);
    if (!section) throw new Error('no dependencies section in package.json');
    const at = section.index + section[0].length;
    const typed = `${rootText.slice(0, at)}\n    "expresss": "^4.18.2",${rootText.slice(at)}`;
    const t1 = Date.now();
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: rootUri, version: 2 }, contentChanges: [{ text: typed }] });
    await client.waitFor(() => client.diagnostics.get(rootUri)?.some((d) => d.code === 'typosquat' && d.message.includes('expresss')), 'the typosquat squiggle', 60_000);
    const squiggleMs = Date.now() - t1;
    const duringLookup = lookingUp() && reg.requests.length < needs.names.size;

    const publishesBefore = client.publishes.length;
    await client.waitFor(() => !lookingUp(), 'the lookups to end', 300_000);
    const lookupMs = Date.now() - t0;
    const progress = client.notifications.filter((n) => n.method === '$/progress').length;
    const lookupPublishes = client.publishes.length - publishesBefore;

    // Back to the disk text (one real change), then only opens and closes.
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: rootUri } });
    await quiet(client, 1000);
    const manifests = files.filter((f) => f.path.endsWith('package.json')).slice(0, 40);
    const before = { requests: reg.requests.length, publishes: client.publishes.length, statuses: client.statuses.length };
    const t2 = Date.now();
    for (const f of manifests) {
      const uri = uriOf(path.join(dir, f.path));
      await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: f.text } });
      await pause(60);
      await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      await pause(60);
    }
    await quiet(client, 1000);
    const churnMs = Date.now() - t2;
    const lookupStatuses = client.statuses.slice(before.statuses).filter((s) => (s as Status).lookingUp).length;

    console.log(`  ${corpus} (${needs.names.size} names):`);
    console.log(`    typed typosquat → squiggle during the cold lookup: ${fmt(squiggleMs)} ms (target ≤ 500)${duringLookup ? '' : ' [the lookup had ended: not a fair measure]'}`);
    console.log(`    cold lookup: ${fmt(lookupMs)} ms from start, ${reg.requests.length - started + started} registry requests, ${lookupPublishes} publishes while it ran, ${progress} progress notifications`);
    console.log(
      `    ${manifests.length} package.json files opened and closed over ${fmt(churnMs)} ms: ${reg.requests.length - before.requests} registry requests, ${lookupStatuses} "looking up" statuses, ${client.publishes.length - before.publishes} publishes, ${client.statuses.length - before.statuses} status notifications (target 0 lookups, ≤ 1 publish)`,
    );
  } finally {
    await client.shutdown();
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once nothing was published and no status was sent for `ms`. */
async function quiet(client: LspTestClient, ms: number): Promise<void> {
  for (;;) {
    const before = client.publishes.length + client.statuses.length;
    await pause(ms);
    if (client.publishes.length + client.statuses.length === before) return;
  }
}
