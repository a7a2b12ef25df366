// Writes messages to a server stream with a cap on the bytes not yet handed
// to HTTP/2 (which in turn respects the reader's flow-control window), so a
// slow reader holds at most `maxBytes` of this peer's memory per stream.
// The Writable's own backpressure counts messages, not bytes.
import type { ServerWritableStream } from '@grpc/grpc-js';

export class BoundedWriter<T> {
  private pending = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly call: ServerWritableStream<unknown, T>,
    private readonly maxBytes: number,
  ) {
    const release = (): void => this.wake?.();
    call.on('cancelled', release);
    call.on('close', release);
  }

  /** Resolves once the message is queued and the stream has room for more. */
  async write(message: T, bytes: number): Promise<void> {
    while (this.pending > 0 && this.pending + bytes > this.maxBytes && !this.call.cancelled) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    if (this.call.cancelled) return;
    this.pending += bytes;
    this.call.write(message, () => {
      this.pending -= bytes;
      this.wake?.();
    });
  }
}
