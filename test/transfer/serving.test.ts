// The serving side of Download: messages framed in place, a cap on
// concurrent streams per peer, and NOT_FOUND for a file that is gone.
import {
  Server,
  ServerCredentials,
  type ClientReadableStream,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { expect } from 'chai';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadline } from '../../src/grpc/clients.js';
import { bindLoopback, collect } from '../fixtures/grpc.js';
import { plaintextClient, strangerClient } from '../fixtures/stranger.js';
import {
  HEADER_ROOM,
  encodeInPlace,
  withEncodedDataChunks,
} from '../../src/grpc/data-chunk-wire.js';
import { streamFileRange } from '../../src/grpc/download-stream.js';
import { http2StreamOf } from '../../src/grpc/server-call-stream.js';
import { loadProto } from '../../src/grpc/proto.js';
import type { PeerServiceClient } from '../../src/generated/p2p/v1/PeerService.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { MiB, randomContent, sha256Of } from './helpers.js';

const GRPC_NOT_FOUND = 5;
const GRPC_RESOURCE_EXHAUSTED = 8;

/** Resolves with the first message, or the error that ended the stream first. */
function firstEvent(call: ClientReadableStream<unknown>): Promise<'data' | ServiceError> {
  return new Promise((resolve) => {
    call.once('data', () => resolve('data'));
    call.once('error', (err: ServiceError) => resolve(err));
  });
}

describe('transfer: DataChunk built in place', () => {
  it('decodes like an encoded DataChunk, for any offset and length, and is framed for gRPC', () => {
    const download = loadProto().proto.p2p.v1.PeerService.service.Download;
    for (const [offset, length] of [
      [0, 1],
      [1, 127],
      [300, 128],
      [2 ** 40 + 5, 70_000],
      [Number.MAX_SAFE_INTEGER - 10, 3],
    ] as const) {
      const data = randomContent(length);
      const buffer = Buffer.alloc(HEADER_ROOM + length);
      data.copy(buffer, HEADER_ROOM);
      const { wire, framed } = encodeInPlace(buffer, offset, length);
      // gRPC's prefix: not compressed, then the message's length.
      expect(framed[0]).to.equal(0);
      expect(framed.readUInt32BE(1)).to.equal(wire.length);
      expect(framed.subarray(5).equals(wire)).to.equal(true);
      const decoded = download.responseDeserialize(wire) as { offset: number; data: Buffer };
      expect(decoded.offset, `offset ${offset}`).to.equal(offset);
      expect(decoded.data.equals(data)).to.equal(true);
      // protobufjs also writes a zero offset; past that the bytes are the same.
      if (offset > 0) expect(wire.equals(download.responseSerialize({ offset, data }))).to.be.true;
    }
  });
});

describe('transfer: Download written to the HTTP/2 stream', () => {
  it("reaches grpc-js's stream, and a grpc-js client reads the range it sends intact", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'p2pd-test-'));
    const content = randomContent(2 * MiB + 12_345);
    await writeFile(join(dir, 'f.bin'), content);
    const server = new Server();
    let reached: boolean | undefined;
    server.addService(withEncodedDataChunks(loadProto().proto.p2p.v1.PeerService.service), {
      Download: (call: ServerWritableStream<{ offset: number; length: number }, unknown>) => {
        reached = http2StreamOf(call) !== undefined;
        void (async () => {
          const handle = await open(join(dir, 'f.bin'));
          const end = call.request.offset + call.request.length;
          await streamFileRange(call, handle, call.request.offset, end);
          await handle.close();
          call.end();
        })();
      },
    });
    const address = await bindLoopback(server, ServerCredentials.createInsecure());
    const client = plaintextClient(address);
    try {
      const offset = 1000;
      const length = content.length - 2000;
      const chunks = await collect(client.Download({ sha256: 'a'.repeat(64), offset, length }));
      expect(reached).to.equal(true);
      expect(chunks.map((c) => c.offset)).to.deep.equal([offset, offset + MiB, offset + 2 * MiB]);
      const got = Buffer.concat(chunks.map((c) => c.data));
      expect(got.equals(content.subarray(offset, offset + length))).to.equal(true);
    } finally {
      client.close();
      server.forceShutdown();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('transfer: serving downloads', function () {
  this.timeout(60_000);
  let peer: TestPeer;
  let client: PeerServiceClient;
  const content = randomContent(32 * MiB);
  const sha256 = sha256Of(content);

  beforeEach(async () => {
    peer = await startPeer({
      files: { 'big.bin': content },
      config: { index: { watch: false }, transfer: { maxServeStreamsPerPeer: 2 } },
    });
    client = strangerClient(peer.grpcAddress);
  });

  afterEach(async () => {
    client.close();
    await peer.stop();
  });

  function download(): ClientReadableStream<unknown> {
    const call = client.Download({ sha256, offset: 0, length: 0 }, { deadline: deadline(30_000) });
    call.on('error', () => undefined);
    return call;
  }

  it('caps concurrent streams per peer with RESOURCE_EXHAUSTED, and frees the slot after', async () => {
    // Two readers that do not read: their streams stay open, held by flow control.
    const slow = [download(), download()];
    for (const call of slow) {
      expect(await firstEvent(call)).to.equal('data');
      call.pause();
    }
    const third = download();
    const refused = await firstEvent(third);
    expect((refused as ServiceError).code).to.equal(GRPC_RESOURCE_EXHAUSTED);

    slow[0]!.cancel();
    await waitFor(() => peer.daemon.transfers.serving.active === 1, {
      what: 'the cancelled stream to free its slot',
    });
    const fourth = download();
    expect(await firstEvent(fourth)).to.equal('data');
    fourth.cancel();
    slow[1]!.cancel();
    await waitFor(() => peer.daemon.transfers.serving.active === 0, { what: 'every slot free' });
  });

  it('answers NOT_FOUND for a file that is no longer there', async () => {
    await rm(join(peer.shared, 'big.bin'));
    const result = await firstEvent(download());
    expect((result as ServiceError).code).to.equal(GRPC_NOT_FOUND);
    expect(peer.daemon.transfers.serving.active).to.equal(0);
  });
});
