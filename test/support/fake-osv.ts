/**
 * A test OSV API on 127.0.0.1 (port 0): `POST /v1/querybatch` answers ids per query from
 * the records it holds, `GET /v1/vulns/{id}` serves a record. Requests are logged with
 * their bodies, so tests can assert that a name was never sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import semver from 'semver';
import type { Fault } from './fake-registry';

export interface OsvRecordSpec {
  id: string;
  name: string;
  /** Explicit affected versions. */
  versions?: string[];
  /** A SEMVER range: introduced (default 0) up to fixed (exclusive). */
  introduced?: string;
  fixed?: string;
  severity?: 'CRITICAL' | 'HIGH' | 'MODERATE' | 'LOW';
  summary?: string;
  aliases?: string[];
}

export interface OsvLoggedRequest {
  method: string;
  path: string;
  body: string;
}

export interface FakeOsv {
  /** Base URL without a trailing slash (as --advisories takes it). */
  url: string;
  requests: OsvLoggedRequest[];
  addRecord(spec: OsvRecordSpec): void;
  /** Fault for 'querybatch' or 'vulns' requests, for `times` requests (default: always). */
  fault(endpoint: 'querybatch' | 'vulns', fault: Fault, times?: number): void;
  /** Every package name sent in any querybatch so far. */
  queriedNames(): string[];
  close(): Promise<void>;
}

export function osvRecord(spec: OsvRecordSpec): Record<string, unknown> {
  const events: Record<string, string>[] = [{ introduced: spec.introduced ?? '0' }];
  if (spec.fixed) events.push({ fixed: spec.fixed });
  return {
    id: spec.id,
    modified: '2025-09-09T00:00:00Z',
    published: '2025-09-08T00:00:00Z',
    aliases: spec.aliases ?? [],
    summary: spec.summary ?? (spec.id.startsWith('MAL-') ? `Malicious code in ${spec.name} (npm)` : `Issue in ${spec.name}`),
    details: 'details',
    affected: [
      {
        package: { ecosystem: 'npm', name: spec.name, purl: `pkg:npm/${spec.name}` },
        ...(spec.versions ? { versions: spec.versions } : { ranges: [{ type: 'SEMVER', events }] }),
      },
    ],
    ...(spec.severity ? { database_specific: { severity: spec.severity } } : {}),
  };
}

function affects(spec: OsvRecordSpec, name: string, version: string): boolean {
  if (spec.name !== name) return false;
  if (spec.versions) return spec.versions.includes(version);
  if (!semver.valid(version)) return false;
  const introduced = spec.introduced && spec.introduced !== '0' ? spec.introduced : '0.0.0-0';
  return semver.gte(version, introduced) && (!spec.fixed || semver.lt(version, spec.fixed));
}

export async function startFakeOsv(): Promise<FakeOsv> {
  const records: OsvRecordSpec[] = [];
  const requests: OsvLoggedRequest[] = [];
  const faults = new Map<string, { fault: Fault; remaining: number }>();
  const held: http.ServerResponse[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0];
      requests.push({ method: req.method ?? 'GET', path, body });
      const endpoint = path === '/v1/querybatch' ? 'querybatch' : path.startsWith('/v1/vulns/') ? 'vulns' : undefined;
      const f = endpoint ? faults.get(endpoint) : undefined;
      if (f && f.remaining > 0) {
        f.remaining--;
        if (applyFault(f.fault, req, res)) return;
      }
      if (endpoint === 'querybatch' && req.method === 'POST') {
        let queries: { package?: { name?: string }; version?: string }[];
        try {
          queries = (JSON.parse(body) as { queries: typeof queries }).queries;
        } catch {
          res.writeHead(400);
          res.end();
          return;
        }
        const results = queries.map((q) => {
          const vulns = records.filter((r) => affects(r, q.package?.name ?? '', q.version ?? '')).map((r) => ({ id: r.id, modified: '2025-09-09T00:00:00Z' }));
          return vulns.length ? { vulns } : {};
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ results }));
        return;
      }
      if (endpoint === 'vulns' && req.method === 'GET') {
        const id = decodeURIComponent(path.slice('/v1/vulns/'.length));
        const spec = records.find((r) => r.id === id);
        res.writeHead(spec ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(spec ? osvRecord(spec) : { code: 5, message: 'Bug not found.' }));
        return;
      }
      res.writeHead(405);
      res.end();
    });
  });

  function applyFault(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse): boolean {
    switch (fault.kind) {
      case 'slow':
        held.push(res);
        return true;
      case 'status':
        res.writeHead(fault.status);
        res.end(fault.body ?? '');
        return true;
      case '429':
        res.writeHead(429, { 'retry-after': fault.retryAfter });
        res.end();
        return true;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"results": [');
        return true;
      case 'reset':
        req.socket.destroy();
        return true;
      default:
        return false;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    addRecord: (spec) => void records.push(spec),
    fault: (endpoint, fault, times = Infinity) => void faults.set(endpoint, { fault, remaining: times }),
    queriedNames: () =>
      requests
        .filter((r) => r.path === '/v1/querybatch')
        .flatMap((r) => {
          try {
            return (JSON.parse(r.body) as { queries: { package: { name: string } }[] }).queries.map((q) => q.package.name);
          } catch {
            return [];
          }
        }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
