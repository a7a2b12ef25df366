// The HTTP/2 stream under a grpc-js server call. grpc-js exposes neither a
// reset nor a way to send bytes it has not copied, so this walks its call
// chain (ServerWritableStreamImpl.call -> ServerInterceptingCall.nextCall* ->
// BaseServerInterceptingCall.stream) to the stream itself. Callers fall back
// to grpc-js's own path when the walk finds nothing (another grpc-js layout).
import { constants as http2 } from 'node:http2';

export interface Http2StreamLike {
  close(code?: number): void;
  write(chunk: Buffer, callback: (error?: Error | null) => void): boolean;
  destroyed: boolean;
}

/** The call's HTTP/2 stream, or undefined when it could not be reached. */
export function http2StreamOf(call: object): Http2StreamLike | undefined {
  let link: unknown = (call as { call?: unknown }).call;
  for (let depth = 0; depth < 16 && typeof link === 'object' && link !== null; depth++) {
    const stream = (link as { stream?: Partial<Http2StreamLike> }).stream;
    if (stream && typeof stream.close === 'function' && typeof stream.write === 'function') {
      return stream as Http2StreamLike;
    }
    link = (link as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/**
 * Ends a server call with RST_STREAM at once. A status cannot end a stream
 * whose reader stopped reading: grpc-js queues the trailers behind data that
 * HTTP/2 flow control holds back, so the stream and its buffers would live on.
 * False when the stream could not be reached.
 */
export function resetStream(call: object): boolean {
  const stream = http2StreamOf(call);
  if (!stream) return false;
  if (!stream.destroyed) stream.close(http2.NGHTTP2_CANCEL);
  return true;
}
