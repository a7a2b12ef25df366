// Ends a server call with RST_STREAM at once. A status cannot end a stream
// whose reader stopped reading: grpc-js queues the trailers behind data that
// HTTP/2 flow control holds back, so the stream and its buffers would live on.
// grpc-js exposes no reset, so this walks its call chain to the HTTP/2 stream.
import { constants as http2 } from 'node:http2';

interface Http2StreamLike {
  close(code?: number): void;
  destroyed: boolean;
}

/** Resets the call's HTTP/2 stream (CANCEL); false when the stream could not be reached. */
export function resetStream(call: object): boolean {
  // ServerWritableStreamImpl.call -> ServerInterceptingCall.nextCall* -> BaseServerInterceptingCall.stream
  let link: unknown = (call as { call?: unknown }).call;
  for (let depth = 0; depth < 16 && typeof link === 'object' && link !== null; depth++) {
    const stream = (link as { stream?: Partial<Http2StreamLike> }).stream;
    if (stream && typeof stream.close === 'function') {
      if (!stream.destroyed) stream.close(http2.NGHTTP2_CANCEL);
      return true;
    }
    link = (link as { nextCall?: unknown }).nextCall;
  }
  return false;
}
