// PeerService: the peer-to-peer wire. Handlers translate to core calls only.
import type { Core } from '../core.js';
import type { DataChunk } from '../generated/p2p/v1/DataChunk.js';
import type { DownloadRequest__Output } from '../generated/p2p/v1/DownloadRequest.js';
import type { FileInfo } from '../generated/p2p/v1/FileInfo.js';
import type { GetFileRequest__Output } from '../generated/p2p/v1/GetFileRequest.js';
import type { GetPeersRequest__Output } from '../generated/p2p/v1/GetPeersRequest.js';
import type { GetPeersResponse } from '../generated/p2p/v1/GetPeersResponse.js';
import type { GetRoutesRequest__Output } from '../generated/p2p/v1/GetRoutesRequest.js';
import type { GetRoutesResponse } from '../generated/p2p/v1/GetRoutesResponse.js';
import type { JoinRequest__Output } from '../generated/p2p/v1/JoinRequest.js';
import type { JoinResponse } from '../generated/p2p/v1/JoinResponse.js';
import type { LeaveRequest__Output } from '../generated/p2p/v1/LeaveRequest.js';
import type { LeaveResponse } from '../generated/p2p/v1/LeaveResponse.js';
import type { PeerServiceHandlers } from '../generated/p2p/v1/PeerService.js';
import type { PingRequest__Output } from '../generated/p2p/v1/PingRequest.js';
import type { PingResponse } from '../generated/p2p/v1/PingResponse.js';
import type { SearchHit } from '../generated/p2p/v1/SearchHit.js';
import type { SearchRequest__Output } from '../generated/p2p/v1/SearchRequest.js';
import { fromSearchRequest, toPeerInfo, toSearchHit } from './convert.js';
import { callerHost, serverStream, unary, writeWithBackpressure } from './handle.js';
import { callerOf, peerGuard } from './caller.js';
import { downloadRangesHandler, serveRange } from './download-ranges.js';
import { uploadHandler } from './upload-handler.js';
import { capped, StreamCaps } from './stream-caps.js';
import { natHandlers } from './nat-handlers.js';

export function peerServiceHandlers(core: Core): PeerServiceHandlers {
  const { metrics, overlay } = core;
  const guard = peerGuard(core.wire);
  // One count per host across its connections and the streaming calls.
  const streams = new StreamCaps({ maxPerHost: core.config.grpc.maxStreamsPerIp });
  return {
    Join: unary<JoinRequest__Output, JoinResponse>(
      'PeerService/Join',
      metrics,
      (req, call) => {
        const caller = callerOf(call, core.wire);
        const reply = overlay.handleJoin(req.peer, caller);
        return {
          accepted: reply.accepted,
          reason: reply.reason,
          peer: toPeerInfo(reply.peer),
          peers: reply.peers.map(toPeerInfo),
          observedHost: caller.host,
        };
      },
      guard,
    ),
    Leave: unary<LeaveRequest__Output, LeaveResponse>(
      'PeerService/Leave',
      metrics,
      (req, call) => {
        overlay.handleLeave(req.peerId, callerOf(call, core.wire));
        return {};
      },
      guard,
    ),
    Ping: unary<PingRequest__Output, PingResponse>(
      'PeerService/Ping',
      metrics,
      (req, call) => {
        const caller = callerOf(call, core.wire);
        return {
          peer: toPeerInfo(overlay.handlePing(req.peerId, caller)),
          sentAtMs: req.sentAtMs,
          observedHost: caller.host,
        };
      },
      guard,
    ),
    GetPeers: unary<GetPeersRequest__Output, GetPeersResponse>(
      'PeerService/GetPeers',
      metrics,
      (req, call) => ({
        peers: overlay
          .handleGetPeers(req.peerId, req.max, { host: callerHost(call.getPeer()) })
          .map(toPeerInfo),
      }),
      guard,
    ),
    GetRoutes: unary<GetRoutesRequest__Output, GetRoutesResponse>(
      'PeerService/GetRoutes',
      metrics,
      (req, call) => {
        // A waiting poll ends when its caller goes away.
        const gone = new AbortController();
        call.once('cancelled', () => gone.abort());
        return overlay.handleGetRoutes(req.haveVersion, req.waitMs, gone.signal);
      },
      guard,
    ),
    Search: serverStream<SearchRequest__Output, SearchHit>(
      'PeerService/Search',
      metrics,
      capped(streams, 'Search', async (req, call) => {
        const cancelled = new AbortController();
        call.on('cancelled', () => cancelled.abort());
        const deadline = call.getDeadline();
        const hits = overlay.handleSearch(
          fromSearchRequest(req),
          deadline instanceof Date ? deadline.getTime() : deadline,
          cancelled.signal,
          callerHost(call.getPeer()),
        );
        for await (const hit of hits) {
          if (call.cancelled) break;
          await writeWithBackpressure(call, toSearchHit(hit));
        }
      }),
      guard,
    ),
    Upload: uploadHandler(core, streams),
    ...natHandlers(core, guard),

    GetFile: unary<GetFileRequest__Output, FileInfo>(
      'PeerService/GetFile',
      metrics,
      (req, call) => {
        const file = core.transfers.swarm.describe(req.sha256, {
          host: callerHost(call.getPeer()),
          fetcher: req.fetcher,
          omitHashes: req.omitHashes,
        });
        return {
          sha256: file.sha256,
          names: file.names,
          size: file.size,
          mtimeMs: file.mtimeMs,
          chunkSize: file.chunkSize,
          chunkHashes: file.chunkHashes,
          ...(file.have ? { have: Buffer.from(file.have), partial: true } : {}),
          holders: file.holders,
          ...(file.sent ? { sent: Buffer.from(file.sent) } : {}),
        };
      },
      guard,
    ),

    DownloadRanges: downloadRangesHandler(core, streams),
    Download: serverStream<DownloadRequest__Output, DataChunk>(
      'PeerService/Download',
      metrics,
      capped(streams, 'Download', (req, call) => serveRange(core, call, req)),
      guard,
    ),
  };
}
