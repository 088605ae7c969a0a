/**
 * A real HTTP proxy on 127.0.0.1 (port 0) for the tests: absolute-URI requests (`GET
 * http://host/path`) are forwarded, `CONNECT host:port` opens a TCP tunnel. Every request
 * it sees is logged with its headers, so tests can assert what went through it and what
 * it never saw (a registry's Authorization header inside a tunnel).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ProxyLogEntry {
  method: string;
  /** The absolute URI, or `host:port` for CONNECT. */
  target: string;
  headers: http.IncomingHttpHeaders;
}

export interface TestProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  log: ProxyLogEntry[];
  /** When set, requests without this Proxy-Authorization value get 407. */
  requireAuth?: string;
  close(): Promise<void>;
}

export async function startTestProxy(): Promise<TestProxy> {
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const authorized = (req: http.IncomingMessage) => !proxy.requireAuth || req.headers['proxy-authorization'] === proxy.requireAuth;

  const server = http.createServer((req, res) => {
    log.push({ method: req.method ?? 'GET', target: req.url ?? '', headers: req.headers });
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' });
      res.end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400);
      res.end('absolute URI expected');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    log.push({ method: 'CONNECT', target: req.url ?? '', headers: req.headers });
    if (!authorized(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: TestProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
