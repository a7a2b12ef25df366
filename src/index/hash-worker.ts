// A hashing thread of the index's pool (hash-pool.ts): hashes the files it
// is sent and reports progress in bytes read.
import { parentPort } from 'node:worker_threads';
import { hashFile, type FileHashes } from './hasher.js';

export interface HashJob {
  id: number;
  path: string;
  chunkSize: number;
}

export type HashReply =
  | { id: number; bytes: number }
  | { id: number; done: FileHashes }
  | { id: number; error: { message: string; code?: string } };

const port = parentPort!;
port.on('message', (job: HashJob) => {
  hashFile(job.path, job.chunkSize, (bytes) => port.postMessage({ id: job.id, bytes }))
    .then((done) => port.postMessage({ id: job.id, done } satisfies HashReply))
    .catch((err: NodeJS.ErrnoException) =>
      port.postMessage({
        id: job.id,
        error: { message: err.message, ...(err.code ? { code: err.code } : {}) },
      } satisfies HashReply),
    );
});
