/**
 * Measures one (target, file) pair in a fresh process so that peak memory (maxRSS) belongs
 * to that target alone. Prints one JSON line: {ms, maxRssMb} or {error}.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { medianMs, medianMsAsync } from './stats';
import { parseLockfile } from '../server/src/engine/lockfile';
import { scanFiles } from '../server/src/engine/scan';
import { roleOfPath } from '../server/src/engine/project';
import type { SourceFile } from '../server/src/engine/model';
import { defaultSettings } from '../server/src/engine/model';

const [target, file] = process.argv.slice(2);
const peers = createRequire(path.resolve('.bench-peers/package.json'));
const text = readFileSync(file, 'utf8');
const base = path.basename(file);
const runs = Number(process.env.BENCH_RUNS ?? 10);

function projectFiles(dir: string, rel = ''): SourceFile[] {
  const out: SourceFile[] = [];
  for (const name of readdirSync(path.join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...projectFiles(dir, r));
    else if (roleOfPath(r)) out.push({ path: r, text: readFileSync(path.join(dir, r), 'utf8') });
  }
  return out;
}

/** The same data as JSON: the floor any parser of this file is compared with. */
function asJson(): string {
  if (base.endsWith('.json') || base === 'bun.lock') return text;
  if (base === 'pnpm-lock.yaml') return JSON.stringify(peers('yaml').parse(text));
  if (text.includes('__metadata')) return JSON.stringify(peers('@yarnpkg/parsers').parseSyml(text));
  return JSON.stringify(peers('@yarnpkg/lockfile').parse(text).object);
}

async function measure(): Promise<number> {
  switch (target) {
    case 'floor': {
      const json = asJson();
      return medianMs(() => JSON.parse(json), runs);
    }
    case 'depwarden-parse':
      return medianMs(() => parseLockfile(base, text), runs);
    case 'depwarden-analyse': {
      const files = projectFiles(path.dirname(file));
      const settings = { ...defaultSettings(), offline: true };
      return medianMs(() => scanFiles(files, { settings }), runs);
    }
    case 'arborist': {
      const Arborist = peers('@npmcli/arborist');
      return medianMsAsync(() => new Arborist({ path: path.dirname(file) }).loadVirtual(), Math.min(runs, 5));
    }
    case 'snyk': {
      const snyk = peers('snyk-nodejs-lockfile-parser');
      const manifest = readFileSync(path.join(path.dirname(file), 'package.json'), 'utf8');
      const type = base === 'pnpm-lock.yaml' ? 'pnpm' : base === 'yarn.lock' ? (text.includes('__metadata') ? 'yarn2' : 'yarn') : 'npm';
      return medianMsAsync(() => snyk.buildDepTree(manifest, text, true, type), Math.min(runs, 5));
    }
    case 'lockfile-lint': {
      const { ParseLockfile } = peers('lockfile-lint-api');
      const type = base === 'yarn.lock' ? 'yarn' : 'npm';
      return medianMs(() => new ParseLockfile({ lockfileText: text, lockfileType: type }).parseSync(), runs);
    }
    case 'yarnpkg-lockfile':
      return medianMs(() => peers('@yarnpkg/lockfile').parse(text), runs);
    case 'yarnpkg-parsers':
      return medianMs(() => peers('@yarnpkg/parsers').parseSyml(text), runs);
    case 'yaml':
      return medianMs(() => peers('yaml').parse(text), runs);
    default:
      throw new Error(`unknown target ${target}`);
  }
}

measure().then(
  (ms) => console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })),
  (e) => console.log(JSON.stringify({ error: String((e as Error).message ?? e).split('\n')[0].slice(0, 120) })),
);
