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

/** Joins `a` and `b`; resolves with the bytes carried once both are closed. */
export function pipeSockets(
  a: Socket,
  b: Socket,
  limits: PipeLimits,
  onBytes: (n: number) => void = () => undefined,
  tap?: (chunk: Buffer) => void,
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
      from.on('data', (chunk: Buffer) => {
        carried += chunk.length;
        onBytes(chunk.length);
        tap?.(chunk);
        if (carried > limits.maxBytes) return end();
        // Backpressure: a slow reader slows the writer, nothing piles up here.
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
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
