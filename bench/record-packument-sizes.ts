/**
 * Records how large the real registry's packuments are for the names the pipeline bench
 * looks up (theia and sentry), so that its loopback registry can serve documents of the
 * same sizes (issue #13: "realistic packument sizes"). Only sizes are kept: name → bytes of
 * the decoded JSON body, as our registry client receives it (`accept: application/json`,
 * the full document). Bodies are streamed and counted, never stored.
 *
 * Run once, by hand (it asks the live registry, ~5,000 requests):
 *   node --import tsx bench/record-packument-sizes.ts [REGISTRY_URL]
 * Writes bench/packument-sizes.json. Names the registry does not know are recorded as 0.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { discoverProjectFiles } from '../server/src/engine/discover';
import { lookupNeeds } from '../server/src/engine/data/fetch-remote';
import { buildProject } from '../server/src/engine/project';

const CORPUS = path.resolve(__dirname, '../../shared/corpus/lockfiles');
const CORPORA = ['theia-npm-v3', 'sentry-javascript-yarn-v1'];
const OUT = path.join(__dirname, 'packument-sizes.json');
const CONCURRENCY = 8;

async function sizeOf(registry: string, name: string): Promise<number> {
  const url = registry + name.replace('/', '%2f');
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, { headers: { accept: 'application/json', 'user-agent': 'depwarden-bench (sizes only)' } });
      if (res.status === 404) return 0;
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
      return bytes;
    } catch (e) {
      if (attempt >= 3) throw new Error(`${name}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
    }
  }
}

async function main(): Promise<void> {
  const registry = (process.argv[2] ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');
  const names = new Set<string>();
  for (const corpus of CORPORA) {
    const { files } = await discoverProjectFiles(path.join(CORPUS, corpus));
    for (const name of lookupNeeds(buildProject(files)).names.keys()) names.add(name);
  }
  const queue = [...names].sort();
  const sizes: Record<string, number> = {};
  let done = 0;
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      sizes[name] = await sizeOf(registry, name);
      if (++done % 250 === 0) console.error(`${done}/${names.size}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const sorted = Object.fromEntries(Object.entries(sizes).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileSync(OUT, JSON.stringify(sorted, null, 0).replace(/,"/g, ',\n"') + '\n');
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.error(`${names.size} names, ${(total / 1e6).toFixed(0)} MB in all, written to ${OUT}`);
}

void main();
