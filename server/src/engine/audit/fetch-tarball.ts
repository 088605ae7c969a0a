/**
 * Downloads a tarball through the data plane's HttpClient (timeouts, retries, redirects
 * followed by hand with credentials chosen per host, concurrency limit, size cap).
 *
 * HttpClient returns bodies as UTF-8 text, which would mangle binary data. Until it has a
 * byte mode (reported; http.ts belongs to the data plane), the client is given a fetch
 * that hands it the body base64-encoded, and the bytes are decoded here: everything else
 * (auth per host across redirects, plain-http refusal, caps, retries) stays the client's.
 * Proxied requests go through undici inside HttpClient, past that fetch, so a tarball
 * whose URL would use a proxy is refused with a reason rather than downloaded wrong.
 */
import { HttpClient, type HttpPolicy } from '../data/http';
import { proxyForUrl } from '../data/proxy';

export type TarballDownload = { ok: true; bytes: Buffer; url: string } | { ok: false; status?: number; reason: string };

export function tarballClient(policy: Partial<HttpPolicy>, maxBytes: number): HttpClient {
  const inner = policy.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  // The client counts base64 characters: 4 per 3 bytes.
  const maxBase64 = Math.ceil(maxBytes / 3) * 4 + 4;
  return new HttpClient({ ...policy, maxBytes: maxBase64, fetch: base64Fetch(inner) });
}

export async function downloadTarball(client: HttpClient, url: string): Promise<TarballDownload> {
  if (proxyForUrl(client.policy.proxy, url)) {
    return { ok: false, reason: 'tarball downloads through a proxy are not supported yet (the HTTP client reads text bodies only); set NO_PROXY for the registry host or audit without a proxy' };
  }
  const result = await client.request({ url, headers: { accept: 'application/octet-stream' } });
  if (!result.ok) return { ok: false, reason: result.reason };
  const res = result.response;
  if (res.status !== 200) return { ok: false, status: res.status, reason: `HTTP ${res.status}` };
  if (res.headers['x-depwarden-base64'] !== '1') return { ok: false, reason: 'the download did not go through the byte-safe path' };
  return { ok: true, bytes: Buffer.from(res.body, 'base64'), url: res.url };
}

/** A fetch whose 200 bodies arrive base64-encoded (streamed, 3 bytes at a time so chunk joins stay exact). */
function base64Fetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    if (res.status !== 200 || !res.body) return res;
    let carry: Buffer = Buffer.alloc(0);
    const encode = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const all = carry.length ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const whole = all.length - (all.length % 3);
        if (whole > 0) controller.enqueue(Buffer.from(all.subarray(0, whole).toString('base64'), 'latin1'));
        carry = Buffer.from(all.subarray(whole));
      },
      flush(controller) {
        if (carry.length) controller.enqueue(Buffer.from(carry.toString('base64'), 'latin1'));
      },
    });
    const headers = new Headers(res.headers);
    // The length and encoding no longer describe the body the client reads.
    headers.delete('content-length');
    headers.delete('content-encoding');
    headers.set('x-depwarden-base64', '1');
    return new Response(res.body.pipeThrough(encode), { status: res.status, statusText: res.statusText, headers });
  };
}
