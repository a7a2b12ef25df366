// A test double speaking the real PeerService (GetFile, Download) over real
// gRPC, serving one file from memory, and able to lie, stall, or die.
import { bindLoopback } from '../fixtures/grpc.js';
import { strangerServerCredentials } from '../fixtures/stranger.js';
import {
  Server,
  status,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadProto } from '../../src/grpc/proto.js';
import type { DataChunk } from '../../src/generated/p2p/v1/DataChunk.js';
import type { DownloadRequest__Output } from '../../src/generated/p2p/v1/DownloadRequest.js';
import type { FileInfo } from '../../src/generated/p2p/v1/FileInfo.js';
import { chunkHashesOf, sha256Of } from './helpers.js';

export interface FakeSourceOptions {
  content: Buffer;
  chunkSize: number;
  name?: string;
  /** Answer for this hash instead of the content's own (a consistent liar). */
  claimSha256?: string;
  /** Change the metadata it reports. */
  metadata?: (honest: FileInfo) => FileInfo;
  /** Flip a byte in the first chunk it serves (a liar that corrupts one chunk). */
  corruptFirstChunk?: boolean;
  /** Flip a byte in every piece it serves once it has sent this many bytes (0: every piece). */
  corruptAfterBytes?: number;
  /** Flip a byte in every piece of these chunks it serves. */
  corruptChunks?: number[];
  /** Serve bytes before this offset only; later bytes wait until `open()`. */
  gateAt?: number;
  /** Shut down hard once it has sent this many bytes. */
  dieAfterBytes?: number;
  /** Bytes per Download message. */
  pieceSize?: number;
}

export interface FakeSource {
  address: string;
  /** Every Download request: [offset, offset + length). */
  requests: { offset: number; end: number }[];
  /** GetFile calls it was asked. */
  getFiles: number;
  bytesSent: number;
  /** Lets gated requests go on. */
  open(): void;
  stop(): Promise<void>;
}

export async function startFakeSource(options: FakeSourceOptions): Promise<FakeSource> {
  const { content, chunkSize } = options;
  const sha256 = options.claimSha256 ?? sha256Of(content);
  const honest: FileInfo = {
    sha256,
    names: [options.name ?? 'fake.bin'],
    size: content.length,
    mtimeMs: Date.now(),
    chunkSize,
    chunkHashes: chunkHashesOf(content, chunkSize),
  };
  const info = options.metadata ? options.metadata(honest) : honest;
  let gate = options.gateAt ?? Infinity;
  const waiting = new Set<() => void>();
  let corruptedOne = false;
  const server = new Server();
  const fake: FakeSource = {
    address: '',
    requests: [],
    getFiles: 0,
    bytesSent: 0,
    open: () => {
      gate = Infinity;
      for (const wake of waiting) wake();
      waiting.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const wake of waiting) wake();
        server.forceShutdown();
        resolve();
      }),
  };
  const { proto } = loadProto();
  server.addService(proto.p2p.v1.PeerService.service, {
    GetFile: (call: ServerUnaryCall<{ sha256: string }, FileInfo>, cb: sendUnaryData<FileInfo>) => {
      fake.getFiles++;
      if (call.request.sha256 !== sha256) {
        return cb({ code: status.NOT_FOUND, details: 'no such file' });
      }
      cb(null, info);
    },
    Download: async (call: ServerWritableStream<DownloadRequest__Output, DataChunk>) => {
      const { offset, length } = call.request;
      const end = length === 0 ? content.length : offset + length;
      fake.requests.push({ offset, end });
      const piece = options.pieceSize ?? 64 * 1024;
      let cancelled = false;
      call.on('cancelled', () => (cancelled = true));
      for (let at = offset; at < end && !cancelled;) {
        while (at >= gate && !cancelled) {
          await new Promise<void>((resolve) => waiting.add(resolve));
        }
        if (cancelled) break;
        const stop = Math.min(end, at + piece, gate);
        const data = Buffer.from(content.subarray(at, stop));
        const chunk = Math.floor(at / chunkSize);
        if (
          (options.corruptFirstChunk && !corruptedOne) ||
          fake.bytesSent >= (options.corruptAfterBytes ?? Infinity) ||
          options.corruptChunks?.includes(chunk)
        ) {
          data[0]! ^= 0xff;
          if (at + data.length >= Math.min(end, (chunk + 1) * chunkSize)) corruptedOne = true;
        }
        if (!call.write({ offset: at, data })) {
          await new Promise<void>((resolve) => call.once('drain', resolve));
        }
        at = stop;
        fake.bytesSent += data.length;
        if (options.dieAfterBytes !== undefined && fake.bytesSent >= options.dieAfterBytes) {
          server.forceShutdown();
          return;
        }
      }
      if (!cancelled) call.end();
    },
  });
  fake.address = await bindLoopback(server, strangerServerCredentials());
  return fake;
}
