// PeerService.Upload: a header, then data. Translation only: the policy and
// the writing live in the transfer core (UploadReceiver).
import {
  status as GrpcStatus,
  type ServerReadableStream,
  type handleClientStreamingCall,
} from '@grpc/grpc-js';
import type { Core } from '../core.js';
import { CancelledError, InvalidArgumentError, PermissionDeniedError } from '../errors.js';
import type { UploadRequest__Output } from '../generated/p2p/v1/UploadRequest.js';
import type { UploadResponse } from '../generated/p2p/v1/UploadResponse.js';
import { toFileInfo } from './convert.js';
import { callerHost, toGrpcError } from './handle.js';
import { callerOf, peerGuard } from './caller.js';
import type { StreamCaps } from './stream-caps.js';

const METHOD = 'PeerService/Upload';

export function uploadHandler(
  core: Core,
  streams: StreamCaps,
): handleClientStreamingCall<UploadRequest__Output, UploadResponse> {
  const { metrics } = core;
  const guard = peerGuard(core.wire);
  return (call, callback) => {
    void (async () => {
      const messages = readMessages(call);
      let release: (() => void) | undefined;
      try {
        guard(call);
        release = streams.acquire(callerHost(call.getPeer()), 'Upload');
        const first = await messages.next();
        const header = first.done ? undefined : first.value.header;
        if (!header) throw new InvalidArgumentError('an upload must start with a header');
        const { host, fingerprint } = callerOf(call, core.wire);
        // Counted by the caller's host, and named by the id bound to the key it proved,
        // not by whatever id it writes in the header.
        const senderId = header.sender?.id ?? '';
        if (senderId === core.config.id) {
          throw new PermissionDeniedError(
            `an upload that claims to come from this peer itself ("${senderId}") is refused`,
          );
        }
        const problem = senderId && fingerprint ? core.wire.bind(senderId, fingerprint) : undefined;
        if (problem) throw new PermissionDeniedError(problem);
        const result = await core.transfers.uploads.receive(
          {
            name: header.name,
            size: header.size,
            sha256: header.sha256,
            senderId,
            senderKey: fingerprint,
          },
          dataOf(messages, (bytes) => core.transfers.traffic.received(bytes, host)),
          host,
        );
        metrics.grpcRequests.inc({ method: METHOD, code: 'OK' });
        callback(null, { file: toFileInfo(result.entry), storedAs: result.storedAs });
      } catch (err) {
        const e = toGrpcError(err);
        metrics.grpcRequests.inc({
          method: METHOD,
          code: GrpcStatus[e.code ?? GrpcStatus.UNKNOWN],
        });
        callback(e);
      } finally {
        release?.();
        // Whatever the sender still has in flight is not wanted.
        void messages.return(undefined);
      }
    })();
  };
}

/** The call's messages; a sender that cancels ends the iteration with CancelledError. */
function readMessages(
  call: ServerReadableStream<UploadRequest__Output, UploadResponse>,
): AsyncGenerator<UploadRequest__Output> {
  const onCancel = (): void => {
    call.destroy(new CancelledError('the sender cancelled the upload'));
  };
  call.on('cancelled', onCancel);
  const iterator = (call as AsyncIterable<UploadRequest__Output>)[Symbol.asyncIterator]();
  return (async function* () {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      call.off('cancelled', onCancel);
    }
  })();
}

async function* dataOf(
  messages: AsyncGenerator<UploadRequest__Output>,
  onReceived: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = await messages.next();
    if (next.done) return;
    if (next.value.header || next.value.part !== 'data') {
      throw new InvalidArgumentError('an upload carries one header, then only data');
    }
    if (next.value.data && next.value.data.length > 0) {
      onReceived(next.value.data.length);
      yield next.value.data;
    }
  }
}
