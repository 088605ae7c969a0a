import type { CancellationToken } from 'vscode-languageserver';

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
