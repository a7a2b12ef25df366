// PeerService: the peer-to-peer wire. Handlers translate to core calls only.
import type { Core } from '../core.js';
import { NotImplementedError, RangeNotSatisfiableError } from '../errors.js';
import type { DataChunk } from '../generated/p2p/v1/DataChunk.js';
import type { DownloadRequest__Output } from '../generated/p2p/v1/DownloadRequest.js';
import type { FileInfo } from '../generated/p2p/v1/FileInfo.js';
import type { GetFileRequest__Output } from '../generated/p2p/v1/GetFileRequest.js';
import type { PeerServiceHandlers } from '../generated/p2p/v1/PeerService.js';
import { toFileInfo } from './convert.js';
import { BoundedWriter } from './bounded-writer.js';
import { callerHost, serverStream, unary } from './handle.js';
import { uploadHandler } from './upload-handler.js';

const later = (what: string, issue: string): NotImplementedError =>
  new NotImplementedError(`${what} is not implemented yet (${issue})`);

const MESSAGE_BYTES = 1024 * 1024;

export function peerServiceHandlers(core: Core): PeerServiceHandlers {
  const { metrics, index } = core;
  const notYet = (method: string, issue: string) =>
    unary(`PeerService/${method}`, metrics, () => {
      throw later(`PeerService.${method}`, issue);
    });
  return {
    Join: notYet('Join', 'the network issue'),
    Leave: notYet('Leave', 'the network issue'),
    Ping: notYet('Ping', 'the network issue'),
    GetPeers: notYet('GetPeers', 'the network issue'),
    Search: serverStream('PeerService/Search', metrics, () => {
      throw later('PeerService.Search', 'the network issue');
    }),
    Upload: uploadHandler(core),

    GetFile: unary<GetFileRequest__Output, FileInfo>('PeerService/GetFile', metrics, (req) =>
      toFileInfo(index.require(req.sha256), true),
    ),

    Download: serverStream<DownloadRequest__Output, DataChunk>(
      'PeerService/Download',
      metrics,
      async (req, call) => {
        const entry = index.require(req.sha256);
        const { offset, length } = req;
        if (offset > entry.size || offset + length > entry.size) {
          throw new RangeNotSatisfiableError(
            `range at ${offset} of ${length || 'all'} bytes is outside the file (${entry.size} bytes)`,
            entry.size,
          );
        }
        const end = length === 0 ? entry.size - 1 : offset + length - 1;
        if (end < offset) return; // nothing to send: empty file or offset at the end
        const release = core.transfers.serving.acquire(callerHost(call.getPeer()));
        try {
          // 1 MiB messages: fewer per-message costs on both sides, and whole
          // chunks at the default chunk size, which the fetcher hashes in place.
          const { stream } = await index.openRange(entry.sha256, offset, end, MESSAGE_BYTES);
          call.on('cancelled', () => stream.destroy());
          const writer = new BoundedWriter(call, 2 * MESSAGE_BYTES);
          let position = offset;
          for await (const data of stream as AsyncIterable<Buffer>) {
            if (call.cancelled) break;
            await writer.write({ offset: position, data }, data.length);
            position += data.length;
          }
        } finally {
          release();
        }
      },
    ),
  };
}
