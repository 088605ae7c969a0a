/**
 * `npm run bench -- audit`: package audits (#14) of the versions a corpus project would run
 * install scripts for, against the live registry: time per audited package (median, p95),
 * the bytes read, and the ratio to a floor measured in the same run on the same tarballs:
 * a plain `fetch` + gunzip of this version's tarball and, where the audit read it, the
 * previous release's. Then the part that is ours alone, without the network: the audit's
 * in-memory read and checks of bytes already in hand, against gunzip of the same bytes.
 *
 * Uses the network (benchmarks may; tests never do). Packuments come through a cache
 * folder kept between runs; audits are never cached here (each one reads its tarballs).
 * Sequential, one package at a time, so that each time is that package's alone; floor and
 * audit alternate which goes first, so neither always gets the warmer CDN.
 */
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
import { discoverProjectFiles } from '../server/src/engine/discover';
import { buildProject } from '../server/src/engine/project';
import { defaultSettings } from '../server/src/engine/model';
import { createCache } from '../server/src/engine/data/cache';
import { fetchRemoteData } from '../server/src/engine/data/fetch-remote';
import { readOuterNpmrc } from '../server/src/engine/data/npmrc-files';
import { evaluateTargets } from '../server/src/engine/data/targets';
import { resolveProxyRoutes } from '../server/src/engine/data/proxy';
import { selectAuditTargets, type ProjectAuditTarget } from '../server/src/engine/audit/audit-project';
import { PackageAuditor, auditTarballBytes, highestSeverity, type AuditResult } from '../server/src/engine/audit';
import { ABOUT_METADATA } from '../server/src/engine/rules/risk-signals';
import type { NpmConfig } from '../server/src/engine/policy/npmrc';
import { fmt } from './stats';

const REGISTRY = 'https://registry.npmjs.org/';

interface Sample {
  key: string;
  auditMs: number;
  floorMs: number;
  /** Bytes the audit downloaded (packument, tarball, previous tarball). */
  auditBytes: number;
  floorBytes: number;
  unpackedBytes: number;
  scannedBytes: number;
  cpuAuditMs?: number;
  cpuGunzipMs?: number;
  result: AuditResult;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The registry's tarball URL for name@version (what npm fetches without a lockfile URL). */
function tarballUrl(name: string, version: string): string {
  const base = name.startsWith('@') ? name.split('/')[1] : name;
  return `${REGISTRY}${name}/-/${base}-${version}.tgz`;
}

async function plainFetch(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The floor: fetch and gunzip the tarballs the audit read, nothing else. */
async function floor(urls: string[]): Promise<{ ms: number; bytes: number; first?: Buffer }> {
  const t = performance.now();
  let bytes = 0;
  let first: Buffer | undefined;
  for (const url of urls) {
    const gz = await plainFetch(url);
    gunzipSync(gz);
    bytes += gz.byteLength;
    first ??= gz;
  }
  return { ms: performance.now() - t, bytes, first };
}

function medianOf3(fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[1];
}

/** The install-script versions `depwarden scan --audit` would read in a corpus project (registry manifests decide). */
async function auditTargetsOf(dir: string, cacheDir: string): Promise<{ targets: ProjectAuditTarget[]; npmrc: NpmConfig }> {
  const { files } = await discoverProjectFiles(dir, { indexSources: false });
  const settings = { ...defaultSettings(), advisories: null };
  const project = buildProject(files, { settings, env: process.env, outerNpmrc: await readOuterNpmrc() });
  const remote = await fetchRemoteData(project, settings, { cache: createCache(cacheDir), env: process.env });
  return { targets: selectAuditTargets(evaluateTargets(project, settings, remote), 'install-scripts'), npmrc: project.npmrc };
}

export async function benchAudit(corpora: string[], cacheDir: string): Promise<void> {
  const byKey = new Map<string, ProjectAuditTarget>();
  let npmrc: NpmConfig | undefined;
  for (const dir of corpora) {
    const found = await auditTargetsOf(dir, cacheDir);
    npmrc ??= found.npmrc;
    for (const t of found.targets) if (!byKey.has(t.key)) byKey.set(t.key, t);
  }
  const targets = [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
  console.log(`\npackage audit: the install-script versions of ${corpora.map((c) => path.basename(c)).join(' + ')} (${targets.length} versions, live registry, one at a time)`);
  if (!npmrc || targets.length === 0) return;
  const proxy = resolveProxyRoutes(undefined, npmrc, process.env);
  const auditor = new PackageAuditor({ npmrc, offline: false, http: proxy ? { proxy } : {} });
  const samples: Sample[] = [];
  try {
    for (const [i, target] of targets.entries()) {
      const runAudit = async () => {
        const before = auditor.bytesDownloaded;
        const t = performance.now();
        const result = await auditor.audit(target);
        return { result, ms: performance.now() - t, bytes: auditor.bytesDownloaded - before };
      };
      // The floor needs to know whether the audit read the previous release: when the floor
      // goes first, it fetches what the audit is about to read (found out afterwards, below).
      let audit: Awaited<ReturnType<typeof runAudit>>;
      let base: Awaited<ReturnType<typeof floor>>;
      const urlsFor = (r: AuditResult) => [tarballUrl(target.name, target.version), ...(r.status === 'ok' && r.previousVersion ? [tarballUrl(target.name, r.previousVersion)] : [])];
      try {
        if (i % 2 === 0) {
          audit = await runAudit();
          base = await floor(urlsFor(audit.result));
        } else {
          const probe = await auditTargetsPrevious(target);
          base = await floor(probe);
          audit = await runAudit();
        }
      } catch (e) {
        console.log(`  ${target.key}: not measured (${(e as Error).message})`);
        continue;
      }
      const r = audit.result;
      const sample: Sample = { key: target.key, auditMs: audit.ms, floorMs: base.ms, auditBytes: audit.bytes, floorBytes: base.bytes, unpackedBytes: r.status === 'ok' ? r.stats.unpackedBytes : 0, scannedBytes: r.status === 'ok' ? r.stats.scannedBytes : 0, result: r };
      const gz = base.first;
      if (gz && r.status === 'ok') {
        const expected = { integrity: r.integrity };
        sample.cpuAuditMs = medianOf3(() => auditTarballBytes(target.name, target.version, gz, expected));
        sample.cpuGunzipMs = medianOf3(() => gunzipSync(gz));
      }
      samples.push(sample);
    }
  } finally {
    await auditor.close();
  }
  report(samples);
}

/** Which tarballs an audit of `target` reads: this version's, and the previous release's when it runs code at install (always, for these targets). */
async function auditTargetsPrevious(target: ProjectAuditTarget): Promise<string[]> {
  const res = await fetch(`${REGISTRY}${target.name.replace('/', '%2f')}`, { headers: { accept: 'application/vnd.npm.install-v1+json' } });
  const doc = (await res.json()) as { versions: Record<string, unknown> };
  const semver = await import('semver');
  const pre = semver.prerelease(target.version) !== null;
  const previous = Object.keys(doc.versions)
    .filter((v) => semver.valid(v) && semver.lt(v, target.version) && (pre || !semver.prerelease(v)))
    .sort(semver.compare)
    .pop();
  return [tarballUrl(target.name, target.version), ...(previous ? [tarballUrl(target.name, previous)] : [])];
}

function report(samples: Sample[]): void {
  if (!samples.length) return;
  const audit = samples.map((s) => s.auditMs);
  const base = samples.map((s) => s.floorMs);
  console.log(`  end to end (packument, tarball, previous release's tarball; verified, read in memory, checked), ${samples.length} packages:`);
  console.log(`    audit  median ${fmt(percentile(audit, 0.5))} ms, p95 ${fmt(percentile(audit, 0.95))} ms, total ${fmt(sum(audit))} ms`);
  console.log(`    floor  median ${fmt(percentile(base, 0.5))} ms, p95 ${fmt(percentile(base, 0.95))} ms, total ${fmt(sum(base))} ms  (plain fetch + gunzip of the same tarballs)`);
  console.log(`    ratio  ${(percentile(audit, 0.5) / percentile(base, 0.5)).toFixed(2)}x floor at the median, ${(sum(audit) / sum(base)).toFixed(2)}x in total`);
  console.log(`  bytes read: ${mb(sum(samples.map((s) => s.auditBytes)))} downloaded by the audits (floor: ${mb(sum(samples.map((s) => s.floorBytes)))} of tarballs), ${mb(sum(samples.map((s) => s.unpackedBytes)))} unpacked in memory, ${mb(sum(samples.map((s) => s.scannedBytes)))} scanned as text; per package median ${mb(percentile(samples.map((s) => s.auditBytes), 0.5))}, max ${mb(Math.max(...samples.map((s) => s.auditBytes)))}`);
  const cpu = samples.filter((s) => s.cpuAuditMs !== undefined);
  if (cpu.length) {
    const a = cpu.map((s) => s.cpuAuditMs!);
    const g = cpu.map((s) => s.cpuGunzipMs!);
    console.log(`  in memory only (bytes in hand, median of 3 per package): audit median ${fmt(percentile(a, 0.5))} ms, p95 ${fmt(percentile(a, 0.95))} ms; gunzip median ${fmt(percentile(g, 0.5))} ms, p95 ${fmt(percentile(g, 0.95))} ms; ${(sum(a) / sum(g)).toFixed(1)}x gunzip in total`);
  }
  // What the audits found, for reading the numbers (and the noise) honestly.
  const verdict = (r: AuditResult) => (r.status === 'error' ? `error (${r.kind})` : (highestSeverity(r.signals.filter((s) => !ABOUT_METADATA.has(s.id))) ?? 'clean'));
  const groups = new Map<string, string[]>();
  for (const s of samples) {
    const v = verdict(s.result);
    groups.set(v, [...(groups.get(v) ?? []), s.key]);
  }
  for (const [v, keys] of [...groups].sort()) console.log(`  ${v}: ${keys.length}${v === 'clean' || v === 'low' ? '' : ` (${keys.join(', ')})`}`);
  const slowest = [...samples].sort((x, y) => y.auditMs - x.auditMs).slice(0, 3);
  console.log(`  slowest: ${slowest.map((s) => `${s.key} ${fmt(s.auditMs)} ms (floor ${fmt(s.floorMs)} ms, ${mb(s.auditBytes)})`).join('; ')}`);
}
