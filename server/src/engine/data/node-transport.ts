/**
 * Direct requests over node:http and node:https: what HttpClient sends when no proxy is in
 * the way (and no fetch was injected).
 *
 * Node's global fetch (undici) runs every body through WHATWG streams, a promise and a few
 * objects per chunk. A cold lookup of sentry reads ~480 MB of packuments in ~3,000
 * answers, on the language server's main thread, beside the scans and the keystrokes: the
 * same 3,000 requests and bodies from a loopback server took 5.4-5.9 s of CPU through fetch
 * and 2.2-2.4 s through node:http, at the same wall time (10.0-10.8 s, latency-bound).
 *
 * Kept the same as fetch: redirects are not followed (HttpClient follows them by hand),
 * gzip, deflate and br bodies are decoded (asked for with Accept-Encoding, as fetch asks),
 * connections are kept alive and reused. Proxies stay with undici (http.ts).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** One answer, whichever way it came (node:http here, fetch in http.ts). */
export interface Exchange {
  status: number;
  /** Lower-case names, null prototype (names come from the server); repeated ones joined with ', '. */
  headers: Record<string, string>;
  /** The body as chunks, content-coding undone; undefined when there is none. */
  body: AsyncIterable<Uint8Array> | undefined;
  /** True when the body arrives as sent (no content-coding undone): Content-Length is then its length. */
  identity: boolean;
  /** Drops the body unread. */
  cancel(): Promise<void>;
}

export interface TransportRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export class NodeTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(maxSockets: number) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  }

  /** Sends the request; resolves once the status and headers are in. Rejects as fetch does on network errors (with the error's `code`). */
  send(url: string, req: TransportRequest): Promise<Exchange> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    return new Promise((resolve, reject) => {
      const options = { method: req.method, headers, agent: secure ? this.httpsAgent : this.httpAgent, signal: req.signal };
      const request = (secure ? https : http).request(target, options, (res) => resolve(exchangeOf(res)));
      // Errors after the answer came (an abort while the body is read) reach the body's reader.
      request.on('error', reject);
      request.end(req.body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function exchangeOf(res: http.IncomingMessage): Exchange {
  // From the raw list: res.headers is a plain object, where a `__proto__` header is lost.
  const headers = Object.create(null) as Record<string, string>;
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    headers[name] = name in headers ? `${headers[name]}, ${raw[i + 1]}` : raw[i + 1];
  }
  const coding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = decoderFor(coding);
  // An unknown coding (never asked for) is handed over as it came, as fetch does.
  const body: Readable = decoder ? pipeline(res, decoder, () => undefined) : res;
  // A stream nobody reads any more (cancelled) must not throw its error at the process.
  body.on('error', () => undefined);
  return {
    status: res.statusCode ?? 0,
    headers,
    body,
    identity: coding === '',
    cancel: async () => {
      res.destroy();
      decoder?.destroy();
    },
  };
}

function decoderFor(coding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  if (coding === 'gzip' || coding === 'x-gzip') return zlib.createGunzip();
  if (coding === 'deflate') return zlib.createInflate();
  if (coding === 'br') return zlib.createBrotliDecompress();
  return undefined;
}
