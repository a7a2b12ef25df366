// Two sockets joined byte for byte, with a count of what passes and limits on
// bytes and time: what a relay does, and what the local proxy of a reverse
// connection does between grpc-js and the socket the other peer opened.
import type { Socket } from 'node:net';

export interface PipeLimits {
  /** Bytes (both ways) before both are cut; Infinity for none. */
  maxBytes: number;
  /** Lifetime before both are cut, ms; Infinity for none. */
  maxMs: number;
}

/**
 * Waits, if it must, before `bytes` read from `from` are written to `to`
 * (bandwidth limits); undefined when they may go at once.
 */
export type PipePace = (from: Socket, to: Socket, bytes: number) => Promise<void> | undefined;

/** Joins `a` and `b`; resolves with the bytes carried once both are closed. */
export function pipeSockets(
  a: Socket,
  b: Socket,
  limits: PipeLimits,
  onBytes: (n: number) => void = () => undefined,
  tap?: (chunk: Buffer) => void,
  pace?: PipePace,
): Promise<number> {
  return new Promise((resolve) => {
    let carried = 0;
    let closed = 0;
    const end = (): void => {
      a.destroy();
      b.destroy();
    };
    const timer = Number.isFinite(limits.maxMs) ? setTimeout(end, limits.maxMs) : undefined;
    timer?.unref();
    const forward = (from: Socket, to: Socket): void => {
      const write = (chunk: Buffer): void => {
        // Backpressure: a slow reader slows the writer, nothing piles up here.
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      };
      from.on('data', (chunk: Buffer) => {
        carried += chunk.length;
        onBytes(chunk.length);
        tap?.(chunk);
        if (carried > limits.maxBytes) return end();
        const wait = pace?.(from, to, chunk.length);
        if (!wait) return write(chunk);
        // Held by a bandwidth limit: read nothing more meanwhile, so TCP slows the sender.
        from.pause();
        wait.then(() => {
          if (to.destroyed) return;
          from.resume();
          write(chunk);
        }, end);
      });
      from.on('end', () => to.end());
      from.on('error', end);
      from.on('close', () => {
        end();
        if (++closed === 2) {
          clearTimeout(timer);
          resolve(carried);
        }
      });
    };
    forward(a, b);
    forward(b, a);
    a.resume();
    b.resume();
  });
}
