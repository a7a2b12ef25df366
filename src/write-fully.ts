// write(2) may write fewer bytes than asked (a nearly full disk, a signal):
// these loop until every byte is written or an error is thrown.
import { write, writeSync } from 'node:fs';

/** Writes all of `data` at the file's current position (or appends), synchronously. */
export function writeFullySync(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}

/**
 * Writes all of `buf`; on failure rejects with the error and, as `written`,
 * how many bytes made it before it (so a caller knows where a line was cut).
 */
export function writeFully(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (): void => {
      if (done >= buf.length) return resolve();
      write(fd, buf, done, buf.length - done, null, (err, n) => {
        if (err) return reject(Object.assign(err, { written: done }));
        done += n;
        step();
      });
    };
    step();
  });
}

/** Bytes `writeFully` wrote before it failed. */
export function bytesWritten(err: unknown): number {
  const n = (err as { written?: unknown }).written;
  return typeof n === 'number' ? n : 0;
}
