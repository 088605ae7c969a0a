/**
 * The one door to the network for the data plane: a concurrency limit, a timeout and a
 * size cap per request, bounded retries with backoff that honour Retry-After, and
 * redirects followed by hand so that credentials are chosen afresh for every host (a
 * token configured for one registry never follows a redirect to another host).
 *
 * Direct requests go through node:http and node:https (node-transport.ts: a fraction of
 * fetch's CPU per body); redirects are manual for the reason above. Through a proxy,
 * requests go through undici's fetch with a ProxyAgent: https targets through a CONNECT
 * tunnel, so the proxy never sees their headers; plain http targets as absolute-URI
 * requests (what proxies that only tunnel to port 443 accept).
 *
 * Credentials never travel in plain text: a request that would carry them over `http:` is
 * not sent at all (the lookup fails and says why), unless it goes directly to this
 * machine's loopback address (a local registry such as verdaccio), where no network sees
 * it. Through a proxy even that is refused: tunnelled or not, the proxy could read plain
 * HTTP. Sending the request without its token instead would only swap a clear failure
 * (that the user can fix by moving the registry to https) for a confusing 401.
 */
import type { ProxyAgent } from 'undici';

/**
 * undici is loaded on first use: it is only needed behind a proxy, and initialising it
 * cost ~20 ms of every CLI run and language-server start. Node's module cache keeps it
 * after the first `require`.
 */
function loadUndici(): typeof import('undici') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('undici') as typeof import('undici');
}
import { NodeTransport, type Exchange } from './node-transport';
import { describeProxy, proxyForUrl, type ProxyRoutes } from './proxy';
import { hostOf } from './url-host';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Hand the body over as bytes (HttpResponse.bytes), not decoded: for readers that keep a small part of a large answer. */
  binary?: boolean;
  /**
   * Keep the body's share of the byte budget (its real size, once read) until the caller
   * calls HttpResponse.release: for a body that is decoded after it is read, so that bodies
   * read and waiting to be decoded count against the budget too.
   */
  holdBudget?: boolean;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The body as text; empty when the request asked for `binary`. */
  body: string;
  /** The body as received, for a `binary` request. */
  bytes?: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
  /** Gives back the body's share of the byte budget (requests with holdBudget; idempotent). */
  release?: () => void;
}

export type HttpResult = { ok: true; response: HttpResponse } | { ok: false; reason: string };

export interface HttpPolicy {
  /** Per attempt, headers and body together. */
  timeoutMs: number;
  /** Extra attempts after the first, for timeouts, resets, 429 and 5xx. */
  retries: number;
  /** Largest body accepted (decoded bytes). */
  maxBytes: number;
  concurrency: number;
  /**
   * Bytes of response bodies read at once, over all requests (and, for holdBudget requests,
   * read and not yet released by the caller): a body waits (its timeout paused) until the
   * others leave room for its Content-Length (1 MiB when not declared). A count of requests
   * alone does not bound memory: the registry sends full packuments (react 4 MB, typescript
   * 10 MB, next 21 MB), and 16 at once were hundreds of MB that the process kept after they
   * were read. One body larger than the budget is read alone.
   */
  bodyBudget: number;
  maxRedirects: number;
  /** First backoff; doubles per attempt. */
  backoffMs: number;
  /** A Retry-After longer than this is not waited for: the lookup fails instead. */
  maxRetryAfterMs: number;
  userAgent: string;
  /** The Authorization header value for a URL, or undefined (see npmrc auth). */
  authFor?: (url: string) => string | undefined;
  /** Proxy per target scheme (see proxy.ts); absent: direct connections. */
  proxy?: ProxyRoutes;
  /** Injectable for tests (to observe backoff without waiting). */
  delay: (ms: number) => Promise<void>;
  /**
   * Injectable (tests, the tarball client): direct requests then go through it instead of
   * node:http. Proxied ones always go through undici's fetch with a ProxyAgent.
   */
  fetch?: typeof fetch;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = {
  timeoutMs: 15_000,
  retries: 2,
  maxBytes: 128 * 1024 * 1024,
  concurrency: 16,
  bodyBudget: 32 * 1024 * 1024,
  maxRedirects: 5,
  backoffMs: 300,
  maxRetryAfterMs: 30_000,
  userAgent: 'depwarden/0.1.0',
  delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Thrown inside one attempt; `retryable` says whether another attempt may help. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export class HttpClient {
  readonly policy: HttpPolicy;
  /** Requests sent on the wire (every attempt and redirect hop). */
  requests = 0;
  private active = 0;
  private waiting: (() => void)[] = [];
  private readonly budget: ByteBudget;
  /** One agent (connection pool) per proxy URL and mode, closed by close(). */
  private agents = new Map<string, ProxyAgent>();
  /** Direct connections (made on first use). */
  private transport?: NodeTransport;

  constructor(policy: Partial<HttpPolicy> = {}) {
    this.policy = { ...DEFAULT_HTTP_POLICY, ...policy };
    this.budget = new ByteBudget(this.policy.bodyBudget);
  }

  /** The most body bytes reserved at once so far (benchmarks and tests read it). */
  get peakBodyBytes(): number {
    return this.budget.peak;
  }

  async request(req: HttpRequest): Promise<HttpResult> {
    const p = this.policy;
    for (let attempt = 0; ; attempt++) {
      let failure: AttemptError;
      await this.acquire();
      try {
        return { ok: true, response: await this.attempt(req) };
      } catch (e) {
        failure = e instanceof AttemptError ? e : new AttemptError(describeNetworkError(e), true);
      } finally {
        this.release();
      }
      if (!failure.retryable || attempt >= p.retries) return { ok: false, reason: failure.message };
      const wait = failure.retryAfterMs ?? p.backoffMs * 2 ** attempt;
      if (wait > p.maxRetryAfterMs) return { ok: false, reason: `${failure.message} (retry after ${Math.ceil(wait / 1000)} s)` };
      // The slot is released while waiting so that other names keep moving.
      await p.delay(wait);
    }
  }

  private async attempt(req: HttpRequest): Promise<HttpResponse> {
    const p = this.policy;
    let url = req.url;
    let method = req.method ?? 'GET';
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': p.userAgent, ...req.headers };
      const auth = p.authFor?.(url);
      if (auth) headers.authorization = auth;
      const proxy = proxyForUrl(p.proxy, url);
      if (auth && isPlainHttp(url) && (proxy || !isLoopback(url))) {
        throw new AttemptError(`not sent: credentials for ${hostOf(url) ?? 'the registry'} are never sent over plain http${proxy ? ' (through a proxy)' : ''}; use https`, false);
      }
      const controller = new AbortController();
      let timer = setTimeout(() => controller.abort(), p.timeoutMs);
      try {
        this.requests++;
        let res: Exchange;
        try {
          const init = { method, headers, body, redirect: 'manual' as const, signal: controller.signal };
          if (proxy) res = fromResponse((await loadUndici().fetch(url, { ...init, dispatcher: this.agentFor(proxy, !isPlainHttp(url)) })) as unknown as Response);
          else if (p.fetch) res = fromResponse(await p.fetch(url, init));
          else res = await (this.transport ??= new NodeTransport(p.concurrency)).send(url, init);
        } catch (e) {
          // A proxy that refuses (407, a denied tunnel) will refuse again: no retry.
          const refusal = proxy && !controller.signal.aborted ? describeProxyRefusal(e) : undefined;
          const why = refusal ?? (controller.signal.aborted ? 'timeout' : describeNetworkError(e));
          throw new AttemptError(proxy ? `${why} (through the proxy ${describeProxy(proxy)})` : why, refusal === undefined);
        }
        if (res.status >= 300 && res.status < 400 && res.status !== 304) {
          await res.cancel();
          const location = res.headers.location;
          if (!location) throw new AttemptError(`HTTP ${res.status} without a location`, false);
          if (hop >= p.maxRedirects) throw new AttemptError('too many redirects', false);
          url = new URL(location, url).toString();
          if (res.status === 303) {
            method = 'GET';
            body = undefined;
          }
          continue;
        }
        if (res.status === 429 || res.status >= 500) {
          await res.cancel();
          throw new AttemptError(`HTTP ${res.status}`, true, parseRetryAfter(res.headers['retry-after']));
        }
        const declared = Number(res.headers['content-length']);
        // Waiting for room in the budget is this process's doing, not the server's slowness.
        clearTimeout(timer);
        let reserved = await this.budget.take(Number.isFinite(declared) && declared > 0 ? declared : UNDECLARED_BODY_BYTES);
        timer = setTimeout(() => controller.abort(), p.timeoutMs);
        let bytes: Buffer;
        let held = false;
        try {
          bytes = await readCapped(res, p.maxBytes, controller.signal);
          if (req.holdBudget) {
            // Held from now on at its real size: more than reserved (a body without
            // Content-Length reserved 1 MiB) or less (most packuments are far smaller).
            if (bytes.length > reserved) this.budget.reserve(bytes.length - reserved);
            else this.budget.give(reserved - bytes.length);
            reserved = bytes.length;
            held = true;
          }
        } finally {
          if (!held) this.budget.give(reserved);
        }
        const release = held ? once(() => this.budget.give(reserved)) : undefined;
        if (req.binary) return { status: res.status, headers: res.headers, body: '', bytes, url, release };
        return { status: res.status, headers: res.headers, body: bytes.toString('utf8'), url, release };
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** Closes the kept-alive connections, direct and proxied. */
  async close(): Promise<void> {
    this.transport?.close();
    this.transport = undefined;
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  }

  private agentFor(proxy: string, tunnel: boolean): ProxyAgent {
    const key = `${tunnel ? 'tunnel' : 'forward'} ${proxy}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const tls = { rejectUnauthorized: this.policy.proxy?.strictSSL !== false };
      agent = new (loadUndici().ProxyAgent)({ uri: proxy, proxyTunnel: tunnel, proxyTls: tls, requestTls: tls });
      this.agents.set(key, agent);
    }
    return agent;
  }

  private acquire(): Promise<void> {
    if (this.active < this.policy.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** `f` run on the first call only (a release or a wake-up reached by several paths). */
export function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    f();
  };
}

/** What a body without a Content-Length reserves of the budget. */
const UNDECLARED_BODY_BYTES = 1024 * 1024;

/** A budget of bytes taken and given back in order of asking (first come, first served). */
class ByteBudget {
  private used = 0;
  peak = 0;
  private waiting: Array<{ bytes: number; go: () => void }> = [];

  constructor(private readonly limit: number) {}

  /** Resolves with the bytes reserved (at most the whole budget) once there is room. */
  async take(bytes: number): Promise<number> {
    const n = Math.min(bytes, this.limit);
    if (this.waiting.length === 0 && this.fits(n)) this.reserve(n);
    else await new Promise<void>((go) => this.waiting.push({ bytes: n, go }));
    return n;
  }

  give(n: number): void {
    this.used -= n;
    while (this.waiting.length && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.reserve(next.bytes);
      next.go();
    }
  }

  private fits(n: number): boolean {
    return this.used === 0 || this.used + n <= this.limit;
  }

  /**
   * Reserves `n` at once, over the limit if need be (take() calls it once there is room;
   * a held body found larger than it announced is already in memory): later takers wait
   * until it is given back.
   */
  reserve(n: number): void {
    this.used += n;
    this.peak = Math.max(this.peak, this.used);
  }
}

async function readCapped(res: Exchange, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.cancel();
    throw new AttemptError(`response too large (${declared} bytes)`, false);
  }
  if (!res.body) return Buffer.alloc(0);
  // A body of declared length (and not decompressed on the way, which changes its length)
  // is read into one buffer of that size: chunks plus their concatenation held twice it.
  const exact = Number.isFinite(declared) && declared > 0 && res.identity ? Buffer.allocUnsafeSlow(declared) : undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const value of res.body) {
      if (total + value.byteLength > maxBytes) {
        await res.cancel();
        throw new AttemptError(`response too large (over ${maxBytes} bytes)`, false);
      }
      if (exact && total + value.byteLength <= exact.length) exact.set(value, total);
      else {
        // Longer than declared: keep what came so far as chunks too.
        if (exact && chunks.length === 0) chunks.push(exact.subarray(0, total));
        chunks.push(value);
      }
      total += value.byteLength;
    }
  } catch (e) {
    if (e instanceof AttemptError) throw e;
    throw new AttemptError(signal.aborted ? 'timeout' : 'truncated response', true);
  }
  if (exact && chunks.length === 0) return exact.subarray(0, total);
  return Buffer.concat(chunks, total);
}

/** A fetch Response as an Exchange (the proxied and injected paths). */
function fromResponse(res: Response): Exchange {
  // Null prototype: header names come from the server (a `__proto__` header is legal).
  const headers = Object.create(null) as Record<string, string>;
  res.headers.forEach((v, k) => (headers[k] = v));
  const stream = res.body;
  return {
    status: res.status,
    headers,
    body: stream ? chunksOf(stream) : undefined,
    // fetch has undone any content-coding.
    identity: !headers['content-encoding'],
    cancel: async () => {
      await stream?.cancel().catch(() => undefined);
    },
  };
}

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Left early (too large, an error): the rest is not wanted.
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

function isPlainHttp(url: string): boolean {
  return url.slice(0, 5).toLowerCase() === 'http:';
}

/** localhost, 127.0.0.0/8, [::1]: traffic that never leaves this machine. */
function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: string } })?.cause;
  const code = cause?.code ?? (e as { code?: string })?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code && /CERT|SELF_SIGNED/.test(code)) return `TLS certificate not trusted (${code})`;
  if (code) return `network error (${code})`;
  return 'network error';
}

/** undici reports a proxy's refusal as an argument or abort error; say what the proxy answered. */
function describeProxyRefusal(e: unknown): string | undefined {
  const messages = [(e as Error)?.message, (e as { cause?: Error })?.cause?.message].filter((m): m is string => typeof m === 'string');
  for (const m of messages) {
    if (/\b407\b/.test(m)) return 'the proxy requires authentication (HTTP 407)';
    const status = /Proxy response \((\d+)\)/.exec(m);
    if (status) return `the proxy refused the tunnel (HTTP ${status[1]})`;
  }
  return undefined;
}
