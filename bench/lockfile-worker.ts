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
const runs = Number(process.env.BENCH_RUNS ?? 15);

function projectFiles(dir: string, rel = ''): SourceFile[] {
  const out: SourceFile[] = [];
  for (const name of readdirSync(path.join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...projectFiles(dir, r));
    else if (roleOfPath(r)) out.push({ path: r, text: readFileSync(path.join(dir, r), 'utf8') });
  }
  return out;
}

/** The project a full analysis reads (the lockfile's folder), read once for the analysis and its second floor. */
const analysed = target === 'depwarden-analyse' ? projectFiles(path.dirname(file)) : undefined;

/** The same data as JSON: the floor any parser of this file is compared with. */
function asJson(): string {
  if (base.endsWith('.json') || base === 'bun.lock') return text;
  if (base === 'pnpm-lock.yaml') return JSON.stringify(peers('yaml').parse(text));
  if (text.includes('__metadata')) return JSON.stringify(peers('@yarnpkg/parsers').parseSyml(text));
  return JSON.stringify(peers('@yarnpkg/lockfile').parse(text).object);
}

/** The operation to time for a target: sync, or async for the peers that only have promises. */
function operation(): { sync?: () => unknown; async?: () => Promise<unknown> } {
  switch (target) {
    case 'floor': {
      const json = asJson();
      return { sync: () => JSON.parse(json) };
    }
    case 'depwarden-parse':
      return { sync: () => parseLockfile(base, text) };
    case 'depwarden-analyse': {
      const files = analysed!;
      const settings = { ...defaultSettings(), offline: true };
      return { sync: () => scanFiles(files, { settings }) };
    }
    case 'arborist': {
      const Arborist = peers('@npmcli/arborist');
      return { async: () => new Arborist({ path: path.dirname(file) }).loadVirtual() };
    }
    case 'snyk': {
      const snyk = peers('snyk-nodejs-lockfile-parser');
      const manifest = readFileSync(path.join(path.dirname(file), 'package.json'), 'utf8');
      const type = base === 'pnpm-lock.yaml' ? 'pnpm' : base === 'yarn.lock' ? (text.includes('__metadata') ? 'yarn2' : 'yarn') : 'npm';
      return { async: () => snyk.buildDepTree(manifest, text, true, type) };
    }
    case 'lockfile-lint': {
      const { ParseLockfile } = peers('lockfile-lint-api');
      const type = base === 'yarn.lock' ? 'yarn' : 'npm';
      return { sync: () => new ParseLockfile({ lockfileText: text, lockfileType: type }).parseSync() };
    }
    case 'yarnpkg-lockfile':
      return { sync: () => peers('@yarnpkg/lockfile').parse(text) };
    case 'yarnpkg-parsers':
      return { sync: () => peers('@yarnpkg/parsers').parseSyml(text) };
    case 'yaml':
      return { sync: () => peers('yaml').parse(text) };
    default:
      throw new Error(`unknown target ${target}`);
  }
}

/**
 * Times the target and the floor in the same process, in interleaved rounds, and keeps
 * the best median of each: the ratio then does not depend on what else the machine was
 * doing while another process ran.
 */
async function measure(): Promise<{ ms: number; floorMs: number; dataFloorMs?: number }> {
  const op = operation();
  const json = asJson();
  const floorOp = () => JSON.parse(json);
  // The full analysis also reads the project's package.json files: its second floor parses
  // those too (the same data as the analysis reads, where the first floor has only the lockfile).
  const manifests = analysed ? analysed.filter((f) => f.path.endsWith('package.json')).map((f) => f.text.replace(/^\uFEFF/, '')) : undefined;
  const dataFloorOp = manifests && (() => [JSON.parse(json), manifests.map((t) => JSON.parse(t))]);
  let ms = Infinity;
  let floorMs = Infinity;
  let dataFloorMs = Infinity;
  const rounds = op.async ? 2 : 5;
  for (let round = 0; round < rounds; round++) {
    ms = Math.min(ms, op.sync ? medianMs(op.sync, runs) : await medianMsAsync(op.async!, Math.min(runs, 5)));
    floorMs = Math.min(floorMs, medianMs(floorOp, runs));
    if (dataFloorOp) dataFloorMs = Math.min(dataFloorMs, medianMs(dataFloorOp, runs));
  }
  return dataFloorOp ? { ms, floorMs, dataFloorMs } : { ms, floorMs };
}

measure().then(
  (measured) => console.log(JSON.stringify({ ...measured, maxRssMb: process.resourceUsage().maxRSS / 1024 })),
  (e) => console.log(JSON.stringify({ error: String((e as Error).message ?? e).split('\n')[0].slice(0, 120) })),
);
