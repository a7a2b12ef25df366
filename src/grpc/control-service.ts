// ControlService: a local user driving this daemon. Translation only.
import type { Core } from '../core.js';
import { NotImplementedError } from '../errors.js';
import type { ControlServiceHandlers } from '../generated/p2p/v1/ControlService.js';
import type { Event } from '../generated/p2p/v1/Event.js';
import type { ListFilesRequest__Output } from '../generated/p2p/v1/ListFilesRequest.js';
import type { ListFilesResponse } from '../generated/p2p/v1/ListFilesResponse.js';
import type { StatusResponse } from '../generated/p2p/v1/StatusResponse.js';
import type { WatchEventsRequest__Output } from '../generated/p2p/v1/WatchEventsRequest.js';
import { toFileInfo, toStatusResponse } from './convert.js';
import { controlGuard, serverStream, unary } from './handle.js';
import { watchEventsHandler } from './watch-events.js';

export function controlServiceHandlers(core: Core): ControlServiceHandlers {
  const { metrics, index } = core;
  const guard = controlGuard(core.config.grpc.token);
  const notYet = (method: string, issue: string) =>
    unary(
      `ControlService/${method}`,
      metrics,
      () => {
        throw new NotImplementedError(`ControlService.${method} is not implemented yet (${issue})`);
      },
      guard,
    );
  const notYetStream = (method: string, issue: string) =>
    serverStream(
      `ControlService/${method}`,
      metrics,
      () => {
        throw new NotImplementedError(`ControlService.${method} is not implemented yet (${issue})`);
      },
      guard,
    );
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
    ListPeers: notYet('ListPeers', 'the network issue'),
    ConnectPeer: notYet('ConnectPeer', 'the network issue'),
    DisconnectPeer: notYet('DisconnectPeer', 'the network issue'),
    Search: notYetStream('Search', 'the network issue'),
    Fetch: notYetStream('Fetch', 'the transfer issue'),
    Push: notYetStream('Push', 'the transfer issue'),
    ListTransfers: notYet('ListTransfers', 'the transfer issue'),
    WatchEvents: serverStream<WatchEventsRequest__Output, Event>(
      'ControlService/WatchEvents',
      metrics,
      (req, call) => watchEventsHandler(core, req, call),
      guard,
    ),
  };
}
