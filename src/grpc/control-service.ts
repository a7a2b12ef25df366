// ControlService: a local user driving this daemon. Translation only.
import type { Core } from '../core.js';
import type { ConnectPeerRequest__Output } from '../generated/p2p/v1/ConnectPeerRequest.js';
import type { ConnectPeerResponse } from '../generated/p2p/v1/ConnectPeerResponse.js';
import type { ControlServiceHandlers } from '../generated/p2p/v1/ControlService.js';
import type { DisconnectPeerRequest__Output } from '../generated/p2p/v1/DisconnectPeerRequest.js';
import type { DisconnectPeerResponse } from '../generated/p2p/v1/DisconnectPeerResponse.js';
import type { Event } from '../generated/p2p/v1/Event.js';
import type { ListFilesRequest__Output } from '../generated/p2p/v1/ListFilesRequest.js';
import type { ListFilesResponse } from '../generated/p2p/v1/ListFilesResponse.js';
import type { Limits } from '../generated/p2p/v1/Limits.js';
import type { ListPeersResponse } from '../generated/p2p/v1/ListPeersResponse.js';
import type { NetworkSearchHit } from '../generated/p2p/v1/NetworkSearchHit.js';
import type { NetworkSearchRequest__Output } from '../generated/p2p/v1/NetworkSearchRequest.js';
import type { SetLimitsRequest__Output } from '../generated/p2p/v1/SetLimitsRequest.js';
import type { StatusResponse } from '../generated/p2p/v1/StatusResponse.js';
import type { WatchEventsRequest__Output } from '../generated/p2p/v1/WatchEventsRequest.js';
import { toFileInfo, toNetworkSearchHit, toNeighbor, toStatusResponse } from './convert.js';
import { controlGuard, serverStream, unary, writeWithBackpressure } from './handle.js';
import { transferHandlers } from './transfer-handlers.js';
import { watchEventsHandler } from './watch-events.js';

export function controlServiceHandlers(core: Core): ControlServiceHandlers {
  const { metrics, index, overlay } = core;
  const { bandwidth } = core.transfers;
  const guard = controlGuard(core.config.grpc.token, (peer) => core.wire.overTls(peer));
  return {
    Status: unary<unknown, StatusResponse>(
      'ControlService/Status',
      metrics,
      () => toStatusResponse(core.status()),
      guard,
    ),
    ListFiles: unary<ListFilesRequest__Output, ListFilesResponse>(
      'ControlService/ListFiles',
      metrics,
      (req) => {
        const { files, total } = index.list({
          query: req.query,
          limit: req.limit === 0 ? undefined : req.limit,
          offset: req.offset,
        });
        return { files: files.map((f) => toFileInfo(f)), total };
      },
      guard,
    ),
    ListPeers: unary<unknown, ListPeersResponse>(
      'ControlService/ListPeers',
      metrics,
      () => ({ peers: overlay.neighbors().map(toNeighbor) }),
      guard,
    ),
    ConnectPeer: unary<ConnectPeerRequest__Output, ConnectPeerResponse>(
      'ControlService/ConnectPeer',
      metrics,
      async (req) => ({ peer: toNeighbor(await overlay.connect(req.address)) }),
      guard,
    ),
    DisconnectPeer: unary<DisconnectPeerRequest__Output, DisconnectPeerResponse>(
      'ControlService/DisconnectPeer',
      metrics,
      async (req) => {
        await overlay.disconnect(req.peerId);
        return {};
      },
      guard,
    ),
    Search: serverStream<NetworkSearchRequest__Output, NetworkSearchHit>(
      'ControlService/Search',
      metrics,
      async (req, call) => {
        const cancelled = new AbortController();
        call.on('cancelled', () => cancelled.abort());
        // 0 means the default on the wire.
        const run = overlay.search(req.query, {
          ttl: req.ttl || undefined,
          timeoutMs: req.timeoutMs || undefined,
          signal: cancelled.signal,
        });
        for await (const hit of run) {
          if (call.cancelled) break;
          await writeWithBackpressure(call, toNetworkSearchHit(hit));
        }
      },
      guard,
    ),
    ...transferHandlers(core),
    WatchEvents: serverStream<WatchEventsRequest__Output, Event>(
      'ControlService/WatchEvents',
      metrics,
      (req, call) => watchEventsHandler(core, req, call),
      guard,
    ),
    GetLimits: unary<unknown, Limits>(
      'ControlService/GetLimits',
      metrics,
      () => bandwidth.view(),
      guard,
    ),
    SetLimits: unary<SetLimitsRequest__Output, Limits>(
      'ControlService/SetLimits',
      metrics,
      (req) => {
        // Empty fields stay as they are (proto3 has no "absent" for a string).
        bandwidth.update(req);
        return bandwidth.view();
      },
      guard,
    ),
  };
}
