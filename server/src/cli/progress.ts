/**
 * The lookup progress of `depwarden scan`: on a terminal, one bar redrawn in place on
 * stderr; anywhere else (CI logs, pipes) the plain lines it always printed, so that logs
 * and scripts reading them see no change.
 */
import { thousands } from '../engine/text/thousands';

export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

const BAR_WIDTH = 24;
/** Redraws at most this often: a warm cache answers thousands of names in milliseconds. */
const REDRAW_MS = 80;
/** Without a terminal, a line every this many names (and at the end). */
const LINE_EVERY = 200;

export interface LookupProgress {
  update(done: number, total: number): void;
  /** Clears the bar (a terminal) so the next line starts clean. */
  end(): void;
}

export function lookupProgress(stream: ProgressStream, line: (msg: string) => void, now: () => number = Date.now): LookupProgress {
  if (!stream.isTTY) {
    let lastShown = 0;
    return {
      update(done, total) {
        if (done === total || done - lastShown >= LINE_EVERY) {
          lastShown = done;
          line(`${done}/${total} packages looked up`);
        }
      },
      end() {},
    };
  }
  let drawnAt = -Infinity;
  let drawn = false;
  return {
    update(done, total) {
      if (done !== total && now() - drawnAt < REDRAW_MS) return;
      drawnAt = now();
      drawn = true;
      stream.write(`\r\x1b[2K${bar(done, total)}`);
    },
    end() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/** `depwarden: [#########---------------] 1,200/3,017 packages looked up` */
export function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * BAR_WIDTH) : 0;
  return `depwarden: [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${thousands(done)}/${thousands(total)} packages looked up`;
}
