/**
 * The audit of one package version: find its tarball, download it through the data
 * plane's client, verify it against the expected integrity before reading a byte, read
 * it in memory with caps, and run the static checks. No file is written, nothing runs.
 *
 *   const auditor = new PackageAuditor({ npmrc, http: { proxy }, offline: false });
 *   const result = await auditor.audit({ name: 'left-pad', version: '1.3.0' });
 *
 * Async for the network (`audit`), synchronous for the analysis (`auditTarballBytes`), so
 * the editor can run the download in the background and the analysis anywhere. Results
 * are kept per auditor by sha512 integrity (a version's bytes never change under one).
 */
import semver from 'semver';
import type { HttpClient, HttpPolicy } from '../data/http';
import { authHeaderFor, hostOf, packumentUrl, registryForName } from '../data/registry-client';
import type { NpmConfig } from '../policy/npmrc';
import { createHash } from 'node:crypto';
import { analyzePackage, readInstallScripts, type PackageAnalysis } from './checks';
import { downloadTarball, tarballClient } from './fetch-tarball';
import { sha512Integrity, sriSha512, verifyIntegrity, type ExpectedIntegrity } from './integrity';
import { AUDIT_CHECKS_VERSION, AUDIT_DIFF_MAX, type AuditDiff, type AuditErrorKind, type AuditResult } from './model';
import type { DataCache } from '../data/cache';
import { sameRegistryHost } from '../rules/allowed-hosts';
import { DEFAULT_TAR_LIMITS, readTarball, TarError, type TarContents, type TarEntry, type TarLimits } from './tar';

export interface AuditRequest {
  name: string;
  /** A version, or a dist-tag (`latest` when absent). */
  version?: string;
  /** From the lockfile, when the version is locked: its integrity wins over the packument's. */
  lockfile?: { integrity?: string; resolved?: string };
}

export interface AuditorOptions {
  /** The user's npm config (registries per scope, credentials per host). */
  npmrc: NpmConfig;
  /** Replaces the public registry (settings.registry, --registry). */
  registryOverride?: string;
  offline: boolean;
  /** Network policy (proxy routes, timeouts, test hooks); authFor is derived from npmrc. */
  http?: Partial<HttpPolicy>;
  limits?: TarLimits;
  /** Compare binaries with the previous version (one more download, only when binaries are found). Default true. */
  comparePrevious?: boolean;
  /** Results kept across runs, by tarball sha512 (the data plane's disk cache). */
  cache?: DataCache;
}

export class PackageAuditor {
  readonly limits: TarLimits;
  private readonly client: HttpClient;
  private readonly results = new Map<string, AuditResult>();
  /** Bytes downloaded (tarballs and packuments), for the report's numbers. */
  bytesDownloaded = 0;

  constructor(private readonly options: AuditorOptions) {
    this.limits = options.limits ?? DEFAULT_TAR_LIMITS;
    this.client = tarballClient({ ...options.http, authFor: (url) => authHeaderFor(options.npmrc, url) }, this.limits.maxCompressedBytes);
  }

  get requests(): number {
    return this.client.requests;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async audit(req: AuditRequest): Promise<AuditResult> {
    const name = req.name;
    const asked = req.version ?? 'latest';
    const fail = (kind: AuditErrorKind, reason: string): AuditResult => ({ status: 'error', name, version: asked, kind, reason });
    const lockedSha512 = sriSha512(req.lockfile?.integrity);
    const cached = lockedSha512 ? await this.remembered(lockedSha512) : undefined;
    if (cached) return cached;
    if (this.options.offline) return fail('offline', 'offline, and this tarball was not audited in this session');

    const registry = registryForName(this.options.npmrc, name, this.options.registryOverride);
    const packument = await this.fetchPackument(registry, name);
    if (!packument.ok) return fail(packument.kind, packument.reason);
    const doc = packument.doc;
    const version = resolveVersion(doc, asked);
    if (!version) return fail('not-found', `${asked} is not a version or dist-tag of ${name} on ${registry}`);
    const dist = distOf(doc, version);

    let url = dist.tarball;
    // A lockfile's resolved URL is used only on the registry's own host (what npm itself would fetch from).
    const resolved = req.lockfile?.resolved;
    if (resolved) {
      // yarn classic writes registry.yarnpkg.com for npm's registry: the same registry.
      if (!sameRegistryHost(hostOf(resolved), hostOf(registry))) return { status: 'error', name, version, kind: 'disallowed-url', reason: `the lockfile's resolved URL is not on the registry host ${hostOf(registry) ?? registry}` };
      url = resolved;
    }
    if (!url || !/^https?:\/\//i.test(url)) return { status: 'error', name, version, kind: 'malformed', reason: 'the registry names no http(s) tarball for this version' };
    const expected: ExpectedIntegrity = req.lockfile?.integrity ? { integrity: req.lockfile.integrity } : { integrity: dist.integrity, shasum: dist.shasum };
    const sha = sriSha512(expected.integrity);
    const hit = sha ? await this.remembered(sha) : undefined;
    if (hit) return hit;

    const download = await downloadTarball(this.client, url);
    if (!download.ok) {
      const kind: AuditErrorKind = download.status === 404 ? 'not-found' : /too large/.test(download.reason) ? 'too-large' : 'network';
      return { status: 'error', name, version, kind, reason: `tarball: ${download.reason}` };
    }
    this.bytesDownloaded += download.bytes.byteLength;

    // The previous release is read only where it changes the verdict: the version runs code
    // at install time (was that new?) or ships binaries (were they there before?).
    const previous = this.options.comparePrevious === false ? undefined : previousVersion(doc, version);
    let result = auditTarballBytes(name, version, download.bytes, expected, this.limits);
    if (result.status === 'ok' && previous && (Object.keys(result.installScripts).length > 0 || result.signals.some((s) => s.id === 'native-binary'))) {
      const before = await this.snapshotOf(doc, previous);
      if (before) {
        result = auditTarballBytes(name, version, download.bytes, expected, this.limits, before);
        if (result.status === 'ok') result.previousVersion = previous;
      }
    }
    if (result.status === 'ok') {
      this.results.set(result.integrity, result);
      await this.options.cache?.put('audit', cacheKey(result.integrity), result);
    }
    return result;
  }

  /** A result for these bytes from this run or, by the same checks, from an earlier one. */
  private async remembered(sha512: string): Promise<AuditResult | undefined> {
    let hit = this.results.get(sha512);
    if (!hit && this.options.cache) {
      const stored = await this.options.cache.get<AuditResult>('audit', cacheKey(sha512));
      if (stored && isAuditResult(stored.value) && stored.value.integrity === sha512) hit = stored.value;
      if (hit) this.results.set(sha512, hit);
    }
    return hit && hit.status === 'ok' ? { ...hit, fromCache: true } : undefined;
  }

  /** The previous release's files (with content hashes) and install scripts, or undefined when it cannot be read. */
  private async snapshotOf(doc: RawPackument, version: string): Promise<ReleaseSnapshot | undefined> {
    const dist = distOf(doc, version);
    if (!dist.tarball) return undefined;
    const download = await downloadTarball(this.client, dist.tarball);
    if (!download.ok) return undefined;
    this.bytesDownloaded += download.bytes.byteLength;
    if (!verifyIntegrity(download.bytes, { integrity: dist.integrity, shasum: dist.shasum }).ok) return undefined;
    try {
      return snapshotOfContents(readTarball(download.bytes, this.limits));
    } catch {
      return undefined;
    }
  }

  private async fetchPackument(registry: string, name: string): Promise<{ ok: true; doc: RawPackument } | { ok: false; kind: AuditErrorKind; reason: string }> {
    if (!/^https?:\/\//i.test(registry)) return { ok: false, kind: 'malformed', reason: 'the configured registry is not an http(s) URL' };
    // The abbreviated document carries dist (tarball, integrity) and is far smaller.
    const result = await this.client.request({ url: packumentUrl(registry, name), headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' } });
    if (!result.ok) return { ok: false, kind: 'network', reason: `packument: ${result.reason}` };
    const res = result.response;
    if (res.status === 404) return { ok: false, kind: 'not-found', reason: `${name} is not on ${registry} (HTTP 404)` };
    if (res.status !== 200) return { ok: false, kind: 'network', reason: `packument: HTTP ${res.status}` };
    // The base64 layer applies to every 200 answer of this client.
    const text = res.headers['x-depwarden-base64'] === '1' ? Buffer.from(res.body, 'base64').toString('utf8') : res.body;
    this.bytesDownloaded += text.length;
    try {
      const doc = JSON.parse(text) as RawPackument;
      if (!doc || typeof doc !== 'object' || !doc.versions || typeof doc.versions !== 'object') throw new Error();
      return { ok: true, doc };
    } catch {
      return { ok: false, kind: 'malformed', reason: 'packument: malformed response' };
    }
  }
}

/**
 * Verifies and analyses tarball bytes: the synchronous half of an audit, for callers that
 * already hold the bytes. Integrity first: on a mismatch nothing of the archive is read.
 */
export function auditTarballBytes(
  name: string,
  version: string,
  bytes: Uint8Array,
  expected: ExpectedIntegrity,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
  previous?: ReleaseSnapshot | readonly string[],
): AuditResult {
  const check = verifyIntegrity(bytes, expected);
  if (!check.ok) return { status: 'error', name, version, kind: 'integrity', reason: check.reason };
  let contents;
  try {
    contents = readTarball(bytes, limits);
  } catch (e) {
    if (e instanceof TarError) return { status: 'error', name, version, kind: e.kind === 'malformed' ? 'malformed' : e.kind === 'too-large' ? 'too-large' : 'bomb', reason: e.message };
    throw e;
  }
  const before = Array.isArray(previous) ? undefined : (previous as ReleaseSnapshot | undefined);
  const previousFiles = before ? [...before.files.keys()] : (previous as readonly string[] | undefined);
  const analysis = analyzePackage(contents, { ...(previousFiles ? { previousFiles } : {}), ...(before ? { previousInstallScripts: before.installScripts } : {}) });
  return {
    status: 'ok',
    name,
    version,
    integrity: sha512Integrity(bytes),
    signals: analysis.signals,
    installScripts: analysis.installScripts,
    stats: { compressedBytes: contents.compressedBytes, unpackedBytes: contents.unpackedBytes, files: contents.entries.length, scannedBytes: analysis.scannedBytes },
    ...(before ? { diff: diffReleases(before, snapshotOfContents(contents), analysis) } : {}),
  };
}

/** A release as the diff needs it: content hash per file, and its install scripts. */
export interface ReleaseSnapshot {
  files: ReadonlyMap<string, string>;
  installScripts: Readonly<Record<string, string>>;
}

function snapshotOfContents(contents: TarContents): ReleaseSnapshot {
  const files = new Map<string, string>();
  let manifest: TarEntry | undefined;
  for (const e of contents.entries) {
    if (e.type !== 'file') continue;
    files.set(e.path, createHash('sha256').update(e.data ?? new Uint8Array()).digest('base64'));
    if (e.path === 'package.json') manifest = e;
  }
  return { files, installScripts: readInstallScripts(manifest) };
}

/** What a version adds, drops and changes against the release before it; install-time code first. */
function diffReleases(before: ReleaseSnapshot, after: ReleaseSnapshot, analysis: PackageAnalysis): AuditDiff {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [file, hash] of after.files) {
    const old = before.files.get(file);
    if (old === undefined) added.push(file);
    else if (old !== hash) changed.push(file);
  }
  for (const file of before.files.keys()) if (!after.files.has(file)) removed.push(file);
  const addedSet = new Set(added);
  const changedSet = new Set(changed);
  const installTimeChanged = analysis.installTimeFiles.filter((f) => addedSet.has(f) || changedSet.has(f)).map((file) => ({ file, change: addedSet.has(file) ? ('added' as const) : ('changed' as const) }));
  const installScriptsChanged: Record<string, string> = {};
  for (const [hook, command] of Object.entries(after.installScripts)) if (before.installScripts[hook] !== command) installScriptsChanged[hook] = command;
  const cap = (list: string[]) => list.sort().slice(0, AUDIT_DIFF_MAX);
  return { added: cap(added), removed: cap(removed), changed: cap(changed), installTimeChanged: installTimeChanged.slice(0, AUDIT_DIFF_MAX), installScriptsChanged, counts: { added: added.length, removed: removed.length, changed: changed.length } };
}

// ---------------------------------------------------------------- packument helpers

interface RawPackument {
  versions: Record<string, { dist?: { tarball?: unknown; integrity?: unknown; shasum?: unknown } }>;
  'dist-tags'?: Record<string, unknown>;
}

function own<T>(rec: Record<string, T> | undefined, key: string): T | undefined {
  return rec && Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;
}

function resolveVersion(doc: RawPackument, asked: string): string | undefined {
  if (own(doc.versions, asked)) return asked;
  const tagged = own(doc['dist-tags'], asked);
  return typeof tagged === 'string' && own(doc.versions, tagged) ? tagged : undefined;
}

function distOf(doc: RawPackument, version: string): { tarball?: string; integrity?: string; shasum?: string } {
  const dist = own(doc.versions, version)?.dist;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { tarball: str(dist?.tarball), integrity: str(dist?.integrity), shasum: str(dist?.shasum) };
}

/** The highest version below this one (prereleases only when this one is a prerelease). */
function previousVersion(doc: RawPackument, version: string): string | undefined {
  if (!semver.valid(version)) return undefined;
  const pre = semver.prerelease(version) !== null;
  let best: string | undefined;
  for (const v of Object.keys(doc.versions)) {
    if (!semver.valid(v) || semver.gte(v, version)) continue;
    if (!pre && semver.prerelease(v)) continue;
    if (!best || semver.gt(v, best)) best = v;
  }
  return best;
}

export function cacheKey(sha512: string): string {
  return `v${AUDIT_CHECKS_VERSION}:${sha512}`;
}

/** The cache folder is outside the workspace but still read as untrusted: shape-checked. */
export function isAuditResult(x: unknown): x is Extract<AuditResult, { status: 'ok' }> {
  const r = x as Extract<AuditResult, { status: 'ok' }> | undefined;
  return !!r && typeof r === 'object' && r.status === 'ok' && typeof r.name === 'string' && typeof r.version === 'string' && typeof r.integrity === 'string' && Array.isArray(r.signals) && !!r.stats && typeof r.installScripts === 'object';
}
