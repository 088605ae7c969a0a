/**
 * Where registry answers are decoded (packument-reader.ts decodePackument): in a worker
 * thread for the language server, in the calling thread otherwise.
 *
 * A cold lookup of sentry is 478 MB of packuments. Decoding them and serialising their
 * stored form for the disk cache was about 8 s of the language server's main thread, which
 * also reads the network, rescans and answers the editor; the server was CPU-bound and
 * the lookup ran at 1.6-1.9x the time a bare fetch loop takes. In a worker that work runs
 * beside the main thread's (the machine has a second core), and what comes back is the
 * decoded packument's parts (a structured clone: a few milliseconds per megabyte of
 * answer, its columns' buffer moved, not copied) and the cache line's JSON, so that the
 * main thread neither decodes nor stringifies.
 *
 * The answer is the same either way: the worker runs the same decodePackument, and the
 * stored JSON is what the cache would have written (JSON.stringify of encodePackument).
 * Memory stays bounded as before: each answer waits for its decode inside its lookup, and
 * the data plane has at most 16 lookups in flight. The worker ends with the lookups that
 * use it (close); its heap goes with it.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Packument, type PackumentParts } from './packument';
import { decodePackument } from './packument-reader';
import { encodePackument } from './packument-store';

/** A decoded answer: the packument, and its stored form's JSON when it was serialised already. */
export interface Decoded {
  packument: Packument;
  storedJson?: string;
}

export interface PackumentDecoder {
  /** An answer is on its way: get ready to decode it (start the worker while the request is under way). */
  warm(): void;
  /** The reduced packument of a registry answer, undefined when the bytes are no JSON object. The bytes may be handed over (not to be used after). */
  decode(bytes: Buffer, name: string): Promise<Decoded | undefined>;
  /** Ends the worker, if any (answers still being decoded are not waited for: they fail). */
  close(): Promise<void>;
}

/** What the worker is sent. */
export interface DecodeJob {
  id: number;
  bytes: Uint8Array;
  name: string;
}

/** What the worker answers: parts and stored JSON, nothing for malformed bytes, or an error. */
export interface DecodeAnswer {
  id: number;
  parts?: PackumentParts;
  storedJson?: string;
  error?: string;
}

/** The worker's work for one job (exported for the worker; see packument-worker.ts). */
export function decodeAnswer(job: DecodeJob): DecodeAnswer {
  const packument = decodePackument(job.bytes, job.name);
  if (!packument) return { id: job.id };
  // An empty packument is recorded as gone, not stored: no JSON for it.
  const storedJson = packument.versionCount === 0 ? undefined : JSON.stringify(encodePackument(packument));
  return { id: job.id, parts: packument.parts(), storedJson };
}

/** Decodes in the calling thread, one answer per turn of the event loop. */
export const inThreadDecoder: PackumentDecoder = {
  async decode(bytes, name) {
    // Reading a document of megabytes takes a while: answers that arrived together are read
    // one per turn of the event loop, so that an editor's keystrokes and timers get in between.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const packument = decodePackument(bytes, name);
    return packument && { packument };
  },
  warm: () => undefined,
  close: async () => undefined,
};

/** The bundled worker's file name (esbuild.mjs defines it for the language server's bundle only). */
declare const DEPWARDEN_PACKUMENT_WORKER: string | undefined;

/** A decoder for a run of lookups: a worker thread where the bundle has one, else in-thread. */
export function packumentDecoder(): PackumentDecoder {
  if (typeof DEPWARDEN_PACKUMENT_WORKER !== 'string') return inThreadDecoder;
  const file = path.join(__dirname, DEPWARDEN_PACKUMENT_WORKER);
  return existsSync(file) ? new WorkerDecoder(file) : inThreadDecoder;
}

/**
 * Decodes in a worker thread started on first use (the script at `file`). Should the worker
 * fail to start or die, the answers it held fail (their lookups say so) and later ones are
 * decoded in-thread.
 */
export class WorkerDecoder implements PackumentDecoder {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (d: Decoded | undefined) => void; reject: (e: Error) => void }>();

  constructor(private readonly file: string) {}

  /**
   * Starts the worker now. It takes ~80 ms and ~90 ms of CPU, so it is started when the
   * first request of a run goes to the network: a run answered from the disk cache, or one
   * that only asks the advisory API, never starts it.
   */
  warm(): void {
    if (this.worker || this.failed) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    // The server runs with a small young generation (protocol.ts SERVER_EXEC_ARGV: it stays
    // committed for the server's life), which a worker inherits; this one ends with its lookups,
    // and decoding makes short-lived garbage fast: a young generation of the default size.
    const worker = new Worker(this.file, { resourceLimits: { maxYoungGenerationSizeMb: 48 } });
    this.worker = worker;
    worker.on('message', (answer: DecodeAnswer) => this.answered(answer));
    const fail = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failed = true;
      for (const p of this.pending.values()) p.reject(new Error(`the packument decoder stopped: ${why}`));
      this.pending.clear();
    };
    worker.on('error', (e) => fail(e.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    // Idle, it must not keep a process alive.
    worker.unref();
  }

  decode(bytes: Buffer, name: string): Promise<Decoded | undefined> {
    this.warm();
    const worker = this.worker;
    if (!worker) return inThreadDecoder.decode(bytes, name);
    const id = this.nextId++;
    // A buffer that is a whole ArrayBuffer of its own (how http.ts reads a body of known
    // length) is moved; a view into a shared one (Node's pool) is copied.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer);
    const job: DecodeJob = { id, bytes: own ? bytes : new Uint8Array(bytes), name };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(job, own ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  private answered(answer: DecodeAnswer): void {
    const p = this.pending.get(answer.id);
    if (!p) return;
    this.pending.delete(answer.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (answer.error !== undefined) p.reject(new Error(`decoding failed: ${answer.error}`));
    else p.resolve(answer.parts ? { packument: Packument.fromParts(answer.parts), storedJson: answer.storedJson } : undefined);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failed = true;
    for (const p of this.pending.values()) p.reject(new Error('the packument decoder was closed'));
    this.pending.clear();
    await worker?.terminate();
  }
}
