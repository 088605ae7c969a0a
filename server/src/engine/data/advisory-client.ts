/**
 * Advisories from an OSV-compatible API: `POST /v1/querybatch` answers which advisory ids
 * affect each name@version (ids only), then `GET /v1/vulns/{id}` gives each record once.
 * `MAL-` records (OSV's malicious-packages database) are malware; the rest are
 * vulnerabilities. Callers must never pass names that belong to a private registry.
 */
import semver from 'semver';
import type { Advisory, AdvisoryLookup, AdvisorySeverity } from './remote-data';
import { advisoryKey } from './remote-data';
import type { DataCache } from './cache';
import type { HttpClient } from './http';
import { trimTrailing } from './registry-client';

/** OSV accepts up to 1000 queries per batch. */
const BATCH_SIZE = 1000;
/** A result with more advisories than one page is followed this many pages at most. */
const MAX_PAGES = 10;

interface QueryResult {
  vulns: { id: string; modified?: string }[];
}

interface PackageVersion {
  name: string;
  version: string;
}

export interface AdvisoryClientOptions {
  http: HttpClient;
  cache: DataCache;
  /** API base, e.g. https://api.osv.dev */
  baseUrl: string;
  offline: boolean;
  /** Treat cached query answers as stale: ask again now (new advisories appear on old versions). */
  revalidate?: boolean;
}

export class AdvisoryClient {
  constructor(private readonly options: AdvisoryClientOptions) {}

  async lookup(packages: PackageVersion[]): Promise<Map<string, AdvisoryLookup>> {
    const { cache, offline } = this.options;
    const out = new Map<string, AdvisoryLookup>();
    const ids = new Map<string, QueryResult>();
    const toQuery: PackageVersion[] = [];
    const asked = new Map<string, PackageVersion>();
    for (const p of packages) {
      const key = advisoryKey(p.name, p.version);
      if (!asked.has(key)) asked.set(key, p);
    }
    // Offline with no answer cached, each would miss: not asked for one by one. Otherwise
    // all at once, so that the cache reads its store once for them (cache.ts readSlot).
    const cached = !offline || (await cache.mayHold('advisory-query'));
    const hits = cached ? await Promise.all([...asked.keys()].map((key) => cache.get<QueryResult>('advisory-query', this.cacheKey(key)))) : [];
    let i = 0;
    for (const [key, p] of asked) {
      const hit = hits[i++];
      if (hit && isQueryResult(hit.value) && (offline || (!this.options.revalidate && cache.isFresh(hit)))) ids.set(key, hit.value);
      else if (offline) out.set(key, { status: 'error', reason: 'offline' });
      else toQuery.push(p);
    }
    for (let i = 0; i < toQuery.length; i += BATCH_SIZE) {
      const chunk = toQuery.slice(i, i + BATCH_SIZE);
      const answer = await this.queryBatch(chunk);
      chunk.forEach((p, j) => {
        const key = advisoryKey(p.name, p.version);
        if (typeof answer === 'string') out.set(key, { status: 'error', reason: answer });
        else ids.set(key, answer[j]);
      });
      if (typeof answer !== 'string') {
        await Promise.all(chunk.map((p, j) => cache.put('advisory-query', this.cacheKey(advisoryKey(p.name, p.version)), answer[j])));
      }
    }
    const records = await this.fetchRecords(ids);
    for (const [key, result] of ids) {
      const at = key.lastIndexOf('@');
      const name = key.slice(0, at);
      const version = key.slice(at + 1);
      const advisories = result.vulns.map((v) => toAdvisory(v.id, records.get(v.id), name, version));
      out.set(key, { status: 'ok', advisories });
    }
    return out;
  }

  /** Cache keys carry the API base so that two advisory sources never mix. */
  private cacheKey(key: string): string {
    return `${this.options.baseUrl}\0${key}`;
  }

  /** The ids per query, in order, or the reason the batch failed. */
  private async queryBatch(chunk: PackageVersion[]): Promise<QueryResult[] | string> {
    const results: QueryResult[] = chunk.map(() => ({ vulns: [] }));
    let pending = chunk.map((p, index) => ({ index, query: { package: { name: p.name, ecosystem: 'npm' }, version: p.version } as Record<string, unknown> }));
    for (let page = 0; pending.length > 0; page++) {
      if (page >= MAX_PAGES) break;
      const res = await this.options.http.request({
        url: `${base(this.options.baseUrl)}/v1/querybatch`,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ queries: pending.map((p) => p.query) }),
      });
      if (!res.ok) return res.reason;
      if (res.response.status !== 200) return `HTTP ${res.response.status}`;
      let doc: { results?: unknown };
      try {
        doc = JSON.parse(res.response.body) as { results?: unknown };
      } catch {
        return 'malformed response';
      }
      if (!Array.isArray(doc.results) || doc.results.length !== pending.length) return 'malformed response';
      const next: typeof pending = [];
      doc.results.forEach((r: unknown, j: number) => {
        const item = r && typeof r === 'object' ? (r as { vulns?: unknown; next_page_token?: unknown }) : {};
        const vulns = Array.isArray(item.vulns) ? item.vulns : [];
        for (const v of vulns) {
          if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') {
            const { id, modified } = v as { id: string; modified?: unknown };
            results[pending[j].index].vulns.push(typeof modified === 'string' ? { id, modified } : { id });
          }
        }
        if (typeof item.next_page_token === 'string' && item.next_page_token) {
          next.push({ index: pending[j].index, query: { ...pending[j].query, page_token: item.next_page_token } });
        }
      });
      pending = next;
    }
    return results;
  }

  /** Every record once; a record that cannot be fetched still counts by its id. */
  private async fetchRecords(ids: Map<string, QueryResult>): Promise<Map<string, OsvRecord | undefined>> {
    const { cache, offline, http } = this.options;
    const wanted = new Map<string, string | undefined>();
    for (const r of ids.values()) for (const v of r.vulns) wanted.set(v.id, v.modified);
    const records = new Map<string, OsvRecord | undefined>();
    await Promise.all(
      [...wanted].map(async ([id, modified]) => {
        const url = `${base(this.options.baseUrl)}/v1/vulns/${encodeURIComponent(id)}`;
        const hit = await cache.get<OsvRecord>('advisory-record', url);
        const current = hit && (modified === undefined || hit.value.modified === modified);
        if (hit && (offline || (current && cache.isFresh(hit)))) {
          records.set(id, hit.value);
          return;
        }
        if (offline) return;
        const res = await http.request({ url, headers: { accept: 'application/json' } });
        if (!res.ok || res.response.status !== 200) {
          if (hit) records.set(id, hit.value);
          return;
        }
        try {
          const record = JSON.parse(res.response.body) as OsvRecord;
          if (record && typeof record === 'object') {
            records.set(id, record);
            await cache.put('advisory-record', url, record, { etag: res.response.headers.etag });
          }
        } catch {
          if (hit) records.set(id, hit.value);
        }
      }),
    );
    return records;
  }
}

function base(url: string): string {
  return trimTrailing(url, '/');
}

function isQueryResult(x: unknown): x is QueryResult {
  return !!x && typeof x === 'object' && Array.isArray((x as QueryResult).vulns);
}

/** The parts of an OSV record read here (https://ossf.github.io/osv-schema/). */
export interface OsvRecord {
  id: string;
  modified?: string;
  summary?: string;
  details?: string;
  aliases?: string[];
  database_specific?: { severity?: string; [k: string]: unknown };
  affected?: {
    package?: { ecosystem?: string; name?: string };
    ranges?: { type?: string; events?: Record<string, string>[] }[];
    versions?: string[];
    database_specific?: { severity?: string; [k: string]: unknown };
  }[];
}

export function toAdvisory(id: string, record: OsvRecord | undefined, name: string, version: string): Advisory {
  const aliases = Array.isArray(record?.aliases) ? record!.aliases.filter((a) => typeof a === 'string') : [];
  const malware = id.startsWith('MAL-') || aliases.some((a) => a.startsWith('MAL-'));
  const advisory: Advisory = {
    id,
    aliases,
    summary: typeof record?.summary === 'string' ? record.summary : typeof record?.details === 'string' ? record.details.split('\n')[0] : '',
    malware,
    severity: malware ? 'critical' : severityOf(record),
    url: `https://osv.dev/vulnerability/${encodeURIComponent(id)}`,
  };
  const fixed = firstFixed(record, name, version);
  if (fixed) advisory.fixed = fixed;
  return advisory;
}

function severityOf(record: OsvRecord | undefined): AdvisorySeverity {
  const raw = record?.database_specific?.severity ?? record?.affected?.find((a) => a.database_specific?.severity)?.database_specific?.severity;
  const s = typeof raw === 'string' ? raw.toLowerCase() : '';
  if (s === 'critical' || s === 'high' || s === 'moderate' || s === 'low') return s;
  if (s === 'medium') return 'moderate';
  return 'unknown';
}

/** The lowest `fixed` event above the affected version, for this package. */
function firstFixed(record: OsvRecord | undefined, name: string, version: string): string | undefined {
  let best: string | undefined;
  for (const a of record?.affected ?? []) {
    if (a.package?.name !== undefined && a.package.name !== name) continue;
    for (const r of a.ranges ?? []) {
      for (const e of r.events ?? []) {
        const fixed = e.fixed;
        if (!fixed || !semver.valid(fixed) || !semver.valid(version) || !semver.gt(fixed, version)) continue;
        if (!best || semver.lt(fixed, best)) best = fixed;
      }
    }
  }
  return best;
}
