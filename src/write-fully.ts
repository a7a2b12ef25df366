// write(2) may write fewer bytes than asked (a nearly full disk, a signal):
// these loop until every byte is written or an error is thrown. A write that
// takes no bytes at all is an error, not a reason to loop for ever.
import { write, writeSync } from 'node:fs';

function tookNothing(): NodeJS.ErrnoException {
  return Object.assign(new Error('the file system took no bytes'), {
    code: 'EIO',
    syscall: 'write',
  });
}

/** Writes all of `data` at the file's current position (or appends), synchronously. */
export function writeFullySync(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let done = 0;
  while (done < buf.length) {
    const n = writeSync(fd, buf, done, buf.length - done);
    if (n === 0) throw tookNothing();
    done += n;
  }
}

/**
 * Writes all of `buf`; on failure rejects with the error and, as `written`,
 * how many bytes made it before it (so a caller knows where a line was cut).
 */
export function writeFully(fd: number, buf: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (): void => {
      if (done >= buf.length) return resolve();
      write(fd, buf, done, buf.length - done, null, (err, n) => {
        if (err) return reject(Object.assign(err, { written: done }));
        if (n === 0) return reject(Object.assign(tookNothing(), { written: done }));
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
