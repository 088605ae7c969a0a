/**
 * The worker thread of packument-decoder.ts (bundled as dist/packument-worker.js): decodes
 * registry answers and serialises the stored form for the disk cache, off the language
 * server's main thread.
 */
import { parentPort } from 'node:worker_threads';
import { decodeAnswer, type DecodeJob } from './packument-decoder';

parentPort?.on('message', (job: DecodeJob) => {
  try {
    const answer = decodeAnswer(job);
    // The columns' buffer is the decoded packument's own (packument.ts): moved, not copied.
    parentPort!.postMessage(answer, answer.parts ? [answer.parts.columns.ints.buffer as ArrayBuffer] : []);
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error)?.stack ?? String(e) });
  }
});
