// ControlService.Fetch / Push / ListTransfers: start a transfer in the core
// and stream its progress. Cancelling the call cancels a transfer it started.
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { Core } from '../core.js';
import type { FetchRequest__Output } from '../generated/p2p/v1/FetchRequest.js';
import type { ListTransfersResponse } from '../generated/p2p/v1/ListTransfersResponse.js';
import type { PushRequest__Output } from '../generated/p2p/v1/PushRequest.js';
import type { TransferProgress } from '../generated/p2p/v1/TransferProgress.js';
import type { TransferHandle } from '../transfer/transfer-manager.js';
import { TERMINAL_STATES, type TransferSnapshot } from '../transfer/types.js';
import { controlGuard, serverStream, unary } from './handle.js';

export function toTransferProgress(s: TransferSnapshot): TransferProgress {
  return {
    id: s.id,
    kind: s.kind,
    state: s.state,
    sha256: s.sha256,
    name: s.name,
    size: s.size,
    bytesDone: s.bytesDone,
    rateBps: s.rateBps,
    etaMs: s.etaMs,
    sources: s.sources.map((src) => ({
      peerId: src.peerId,
      address: src.address,
      bytes: src.bytes,
      chunks: src.chunks,
      failed: src.failed,
      uploadedBytes: src.uploadedBytes,
      partial: src.partial,
    })),
    error: s.error,
    path: s.path,
    peer: s.peer,
    note: s.note,
    startedAtMs: s.startedAt,
    finishedAtMs: s.finishedAt ?? 0,
  };
}

export function transferHandlers(core: Core) {
  const { metrics, transfers } = core;
  const guard = controlGuard(core.config.grpc.token, (peer) => core.wire.overTls(peer));
  return {
    Fetch: serverStream<FetchRequest__Output, TransferProgress>(
      'ControlService/Fetch',
      metrics,
      (req, call) =>
        follow(
          core,
          transfers.fetch({
            ...(req.sha256 ? { sha256: req.sha256 } : {}),
            ...(req.name ? { name: req.name } : {}),
            sources: req.sources,
          }),
          call,
        ),
      guard,
    ),
    Push: serverStream<PushRequest__Output, TransferProgress>(
      'ControlService/Push',
      metrics,
      (req, call) =>
        follow(
          core,
          transfers.push({
            ...(req.sha256 ? { sha256: req.sha256 } : {}),
            ...(req.name ? { name: req.name } : {}),
            peer: req.peer,
          }),
          call,
        ),
      guard,
    ),
    ListTransfers: unary<unknown, ListTransfersResponse>(
      'ControlService/ListTransfers',
      metrics,
      () => ({ transfers: transfers.list().map(toTransferProgress) }),
      guard,
    ),
  };
}

/** Streams a transfer's progress until it ends; a failure ends the call with its status. */
async function follow(
  core: Core,
  handle: TransferHandle,
  call: ServerWritableStream<unknown, TransferProgress>,
): Promise<void> {
  const { transfers } = core;
  let ended = false;
  const write = (s: TransferSnapshot): void => {
    // A final state is sent once; snapshots are throttled by the core, so plain writes stay bounded.
    if (call.cancelled || ended) return;
    ended = TERMINAL_STATES.has(s.state);
    call.write(toTransferProgress(s));
  };
  write(transfers.get(handle.id));
  const unsubscribe = transfers.watch(handle.id, write);
  const onCancel = (): void => {
    if (handle.created) transfers.cancel(handle.id);
  };
  call.on('cancelled', onCancel);
  try {
    const outcome = await handle.done;
    write(outcome.snapshot);
    if (outcome.error) throw outcome.error;
  } finally {
    unsubscribe();
    call.off('cancelled', onCancel);
  }
}
