/**
 * One full garbage collection once lookups have landed and the server has nothing to do
 * (issue #15 item 2).
 *
 * A cold lookup of a monorepo reads thousands of registry answers: hundreds of megabytes
 * of response buffers and short-lived objects, of which a few percent stay (the reduced
 * packuments). V8 collects that garbage only as the program allocates more, and an idle
 * language server allocates almost nothing: after a cold lookup of sentry it sat at 417 MB
 * with 235 MB of V8 heap in use for 114 MB of live objects, and 65 MB of dead response
 * buffers, for as long as nobody typed. So when the last answer has landed, the scans that
 * merge the answers are done and the server stayed quiet a moment, it collects once. The second, minor, collection a moment later
 * frees the dead buffers' memory: V8 releases it when the sweeping of the full collection
 * is finished, which an idle process never asks for.
 *
 * It runs after lookups only, never on a keystroke's scan: the full collection pauses the
 * server for 0.1-0.4 s (100 MB of live objects on this 2-core machine), once per lookup run.
 * `gc` is V8's own (the flag --expose-gc turned on at run time, as jest does, so the server
 * needs no launch flag for it). Where it cannot be had, nothing happens.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Quiet time after lookups finished, or the last scan after them settled, before collecting. */
const IDLE_MS = 2000;
/** Time between the full collection and the minor one that frees dead buffers. */
const FINISH_MS = 500;

type Gc = (options?: { type: 'major' | 'minor'; flavor?: 'regular' | 'last-resort' }) => void;

let gc: Gc | null | undefined;
let timer: NodeJS.Timeout | undefined;

function exposedGc(): Gc | null {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('gc');
      gc = typeof fn === 'function' ? (fn as Gc) : null;
    } catch {
      gc = null;
    }
  }
  return gc;
}

/**
 * A full collection that also compacts: the objects that stay were allocated among the
 * garbage, so the old generation's pages are left partly used (after a cold lookup of
 * sentry 99 MB of objects over 141 to 207 MB of pages, the committed size varying from
 * run to run), and V8 moves objects together only from the emptiest pages. For this one
 * collection it moves them from every page (about 0.1 s for 100 MB).
 */
function compacting(collect: Gc): void {
  try {
    setFlagsFromString('--compact-on-every-full-gc');
    collect();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/** After lookups finished, scans that settle within this time push the collection back. */
const ARMED_MS = 60_000;

let armedUntil = 0;

/** Lookups finished: collect once the scans that merge their answers are done and the server is quiet. */
export function lookupsFinished(): void {
  armedUntil = Date.now() + ARMED_MS;
  collectSoon();
}

/**
 * A scan settled: after lookups, the folders are scanned again with the answers (each
 * scan of a monorepo takes seconds on a busy machine, and makes garbage of its own), so
 * the collection waits until the last of them is done.
 */
export function scanSettled(): void {
  if (Date.now() < armedUntil) collectSoon();
}

/** Collects IDLE_MS after the last call (each call pushes it back). */
function collectSoon(): void {
  const collect = exposedGc();
  if (!collect) return;
  clearTimeout(timer);
  timer = setTimeout(() => {
    armedUntil = 0;
    compacting(collect);
    timer = setTimeout(() => {
      collect({ type: 'minor' });
      // Newer V8 (Node 24, which code-server runs the server on) keeps the pages a
      // collection freed in a pool instead of giving them back: sentry warm settled at
      // 338 MB RSS for 114 MB of heap. Its last-resort collection also releases the pool
      // (187 MB). Older V8 (Node 20) takes it as one more full collection: 169 MB either way.
      collect({ type: 'major', flavor: 'last-resort' });
    }, FINISH_MS);
    timer.unref();
  }, IDLE_MS);
  timer.unref();
}
