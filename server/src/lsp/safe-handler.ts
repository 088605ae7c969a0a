import { CancellationToken, type Connection } from 'vscode-languageserver';
import type { RequestType, RequestType0 } from 'vscode-jsonrpc';

export type Logger = (message: string) => void;

/**
 * Every request handler goes through this wrapper: a cancelled request returns the
 * fallback, and an exception is logged instead of reaching the connection. The server
 * must never die on bad input.
 */
export function safeHandler<P, R>(
  name: string,
  log: Logger,
  fallback: R,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): (params: P, token: CancellationToken) => Promise<R> {
  return async (params, token) => {
    if (token?.isCancellationRequested) return fallback;
    try {
      const result = await handler(params, token);
      return token?.isCancellationRequested ? fallback : result;
    } catch (e) {
      log(`[error] ${name} failed: ${(e as Error).stack ?? e}`);
      return fallback;
    }
  };
}

/**
 * Registers a depwarden/* request (protocol.ts) through safeHandler. Registered by method
 * name, not by type: a typed registration answers "invalid params" to a request that
 * comes with more or fewer parameters than declared, where the handler should see
 * `undefined` and return its fallback. The handler is typed by the request all the same.
 */
export function onRequest<R>(connection: Connection, type: RequestType0<R, void>, log: Logger, fallback: R, handler: (params: undefined, token: CancellationToken) => R | Promise<R>): void;
export function onRequest<P, R>(connection: Connection, type: RequestType<P, R, void>, log: Logger, fallback: R, handler: (params: P | undefined, token: CancellationToken) => R | Promise<R>): void;
export function onRequest<P, R>(
  connection: Connection,
  type: RequestType<P, R, void> | RequestType0<R, void>,
  log: Logger,
  fallback: R,
  handler: (params: P | undefined, token: CancellationToken) => R | Promise<R>,
): void {
  const safe = safeHandler(type.method.replace(/^depwarden\//, ''), log, fallback, handler);
  connection.onRequest(type.method, (...args: unknown[]) => {
    // jsonrpc passes (token) without params, (params, token) with them.
    const token = CancellationToken.is(args.at(-1)) ? (args.pop() as CancellationToken) : CancellationToken.None;
    return safe(args[0] as P | undefined, token);
  });
}
