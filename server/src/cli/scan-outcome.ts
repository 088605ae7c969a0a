import type { ScanResult } from '../engine/scan';
import type { RemoteData } from '../engine/data/remote-data';
import type { Report } from './report';

/**
 * What the CLI's commands share, apart from main.ts: the commands main.ts dispatches to
 * (diff.ts) take these, so they must not import main.ts back.
 */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Everything a command needs after the scan: the report, and what the scan saw. */
export interface ScanOutcome {
  root: string;
  report: Report;
  result: ScanResult;
  remote: RemoteData;
}
