// PeerService GetFile, Download and DownloadRanges against a real daemon: bytes compared.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { deadline, unaryCall } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import type { DataChunk__Output } from '../../src/generated/p2p/v1/DataChunk.js';
import type { DownloadRequest } from '../../src/generated/p2p/v1/DownloadRequest.js';
import type { FileInfo__Output } from '../../src/generated/p2p/v1/FileInfo.js';
import type { PeerServiceClient } from '../../src/generated/p2p/v1/PeerService.js';
import type { ServiceError } from '@grpc/grpc-js';
import { collect, expectStatus, grpcFailure } from '../fixtures/grpc.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('grpc PeerService', function () {
  const big = randomBytes(3 * MiB + 12345);
  const small = Buffer.from('hello, peer\n');
  const CHUNK = 64 * 1024;
  let peer: TestPeer;
  let client: PeerServiceClient;

  before(async () => {
    peer = await startPeer({
      id: 'seed',
      files: { 'media/big.bin': big, 'empty.txt': '', 'notes/small.txt': small },
      // A stream nobody asks anything of ends after serveStallMs (DownloadRanges).
      config: { index: { chunkSize: CHUNK }, transfer: { serveStallMs: 1000 } },
    });
    client = strangerClient(peer.grpcAddress);
  });
  after(async () => {
    client?.close();
    await peer?.stop();
  });

  const download = (req: DownloadRequest): Promise<DataChunk__Output[]> =>
    collect(client.Download(req, { deadline: deadline(15_000) }));

  /** Reassembles chunks, checking that each one starts where the last ended. */
  const reassemble = (chunks: DataChunk__Output[], start: number): Buffer => {
    let position = start;
    for (const c of chunks) {
      expect(c.offset, 'chunk offset').to.equal(position);
      position += c.data.length;
    }
    return Buffer.concat(chunks.map((c) => c.data));
  };

  describe('GetFile', () => {
    it('returns size, names and chunk hashes equal to an independent computation', async () => {
      const info = await unaryCall<FileInfo__Output>((cb) =>
        client.GetFile({ sha256: sha(big) }, { deadline: deadline(5000) }, cb),
      );
      expect(info.sha256).to.equal(sha(big));
      expect(info.names).to.deep.equal(['media/big.bin']);
      expect(info.size).to.equal(big.length);
      expect(info.chunkSize).to.equal(CHUNK);
      const expected: string[] = [];
      for (let at = 0; at < big.length; at += CHUNK)
        expected.push(sha(big.subarray(at, at + CHUNK)));
      expect(info.chunkHashes).to.have.length(Math.ceil(big.length / CHUNK));
      expect(info.chunkHashes).to.deep.equal(expected);
    });

    it('accepts an uppercase hash and answers in lowercase', async () => {
      const info = await unaryCall<FileInfo__Output>((cb) =>
        client.GetFile({ sha256: sha(small).toUpperCase() }, { deadline: deadline(5000) }, cb),
      );
      expect(info.sha256).to.equal(sha(small));
      expect(info.size).to.equal(small.length);
    });

    it('answers NOT_FOUND for an unknown hash and INVALID_ARGUMENT for a malformed one', async () => {
      const unknown = await grpcFailure(
        unaryCall((cb) => client.GetFile({ sha256: sha(Buffer.from('nope')) }, cb)),
      );
      expectStatus(unknown, 'NOT_FOUND');
      expect(unknown.metadata.get('p2p-error')).to.deep.equal(['NotFoundError']);
      for (const bad of ['', 'abc', 'g'.repeat(64), `${sha(small)}0`, '../etc/passwd']) {
        const err = await grpcFailure(unaryCall((cb) => client.GetFile({ sha256: bad }, cb)));
        expectStatus(err, 'INVALID_ARGUMENT');
      }
    });
  });

  describe('Download', () => {
    it('streams a whole 3 MiB file with correct offsets (length 0 = to the end)', async () => {
      const chunks = await download({ sha256: sha(big) });
      expect(chunks.length).to.be.greaterThan(1);
      const bytes = reassemble(chunks, 0);
      expect(bytes.length).to.equal(big.length);
      expect(bytes.equals(big)).to.equal(true);
    });

    it('serves ranges that reassemble to the exact bytes', async () => {
      const cuts = [0, 1, CHUNK - 1, CHUNK, 1_000_003, 2 * MiB + 7, big.length - 1, big.length];
      const parts: Buffer[] = [];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const offset = cuts[i]!;
        const length = cuts[i + 1]! - offset;
        const part = reassemble(await download({ sha256: sha(big), offset, length }), offset);
        expect(part.length, `range at ${offset}`).to.equal(length);
        expect(part.equals(big.subarray(offset, offset + length))).to.equal(true);
        parts.push(part);
      }
      expect(Buffer.concat(parts).equals(big)).to.equal(true);
    });

    it('serves the tail of a file from an offset with length 0', async () => {
      const offset = 2 * MiB + 99;
      const tail = reassemble(await download({ sha256: sha(big), offset, length: 0 }), offset);
      expect(tail.equals(big.subarray(offset))).to.equal(true);
    });

    it('serves the exact last byte and a range ending at the last byte', async () => {
      const last = reassemble(
        await download({ sha256: sha(big), offset: big.length - 1, length: 1 }),
        big.length - 1,
      );
      expect([...last]).to.deep.equal([big[big.length - 1]]);
      const all = reassemble(
        await download({ sha256: sha(small), offset: 0, length: small.length }),
        0,
      );
      expect(all.equals(small)).to.equal(true);
    });

    it('downloads an empty file as zero bytes', async () => {
      const empty = sha(Buffer.alloc(0));
      const chunks = await download({ sha256: empty });
      expect(Buffer.concat(chunks.map((c) => c.data)).length).to.equal(0);
    });

    it('answers OUT_OF_RANGE for ranges outside the file', async () => {
      const size = small.length;
      for (const req of [
        { offset: size + 1, length: 0 },
        { offset: 0, length: size + 1 },
        { offset: size - 1, length: 2 },
        { offset: size, length: 1 },
        { offset: Number.MAX_SAFE_INTEGER, length: 1 },
      ]) {
        const err = await grpcFailure(download({ sha256: sha(small), ...req }));
        expectStatus(err, 'OUT_OF_RANGE');
      }
      const emptyErr = await grpcFailure(
        download({ sha256: sha(Buffer.alloc(0)), offset: 0, length: 1 }),
      );
      expectStatus(emptyErr, 'OUT_OF_RANGE');
    });

    it('answers NOT_FOUND for an unknown hash and INVALID_ARGUMENT for a malformed one', async () => {
      expectStatus(
        await grpcFailure(download({ sha256: sha(Buffer.from('missing')) })),
        'NOT_FOUND',
      );
      expectStatus(await grpcFailure(download({ sha256: 'xyz' })), 'INVALID_ARGUMENT');
    });

    it('stays healthy after a client cancels mid-stream', async () => {
      const openFds = (): number => readdirSync('/proc/self/fd').length;
      const fdsBefore = openFds();
      for (let round = 0; round < 3; round++) {
        const call = client.Download({ sha256: sha(big) }, { deadline: deadline(15_000) });
        const cancelled = await new Promise<{ received: number; code: number }>((resolve) => {
          let received = 0;
          call.on('data', (c: DataChunk__Output) => {
            received += c.data.length;
            if (received >= 300 * 1024) call.cancel();
          });
          call.on('error', (err: { code: number }) => resolve({ received, code: err.code }));
          call.on('end', () => resolve({ received, code: 0 }));
        });
        expect(cancelled.code).to.equal(1); // CANCELLED, seen by the client
      }
      // Each cancelled call gave back the file it was reading (kept open for the next
      // request, one descriptor for them all).
      await waitFor(() => peer.daemon.index.openFiles.readers === 0, { what: 'readers done' });
      await waitFor(() => openFds() <= fdsBefore + 1, { timeoutMs: 10_000, what: 'files closed' });
      const again = reassemble(await download({ sha256: sha(big) }), 0);
      expect(again.equals(big)).to.equal(true);
    });
  });

  describe('DownloadRanges', () => {
    /** Sends each range once the one before has all arrived; the bytes, and how the call ended. */
    async function ranges(
      asked: DownloadRequest[],
      endAfter = true,
    ): Promise<{ bytes: Buffer[]; ms: number; error?: ServiceError }> {
      const call = client.DownloadRanges({ deadline: deadline(15_000) });
      const bytes: Buffer[] = [];
      const started = Date.now();
      return new Promise((resolve) => {
        let i = 0;
        let got: Buffer[] = [];
        let due = 0;
        const next = (): void => {
          if (i < asked.length) {
            due = Number(asked[i]!.length);
            call.write(asked[i++]);
          } else if (endAfter) call.end();
        };
        call.on('data', (c: DataChunk__Output) => {
          got.push(c.data);
          due -= c.data.length;
          if (due === 0) {
            bytes.push(Buffer.concat(got));
            got = [];
            next();
          }
        });
        call.on('error', (error: ServiceError) =>
          resolve({ bytes, ms: Date.now() - started, error }),
        );
        call.on('end', () => resolve({ bytes, ms: Date.now() - started }));
        next();
      });
    }

    it('serves ranges of one or more files one after another, and ends when the caller does', async () => {
      const result = await ranges([
        { sha256: sha(big), offset: 0, length: 1 * MiB },
        { sha256: sha(big), offset: MiB + 5, length: 2 * MiB },
        { sha256: sha(small), offset: 7, length: small.length - 7 },
      ]);
      expect(result.error).to.equal(undefined);
      expect(result.bytes.map((b) => b.length)).to.deep.equal([MiB, 2 * MiB, small.length - 7]);
      expect(result.bytes[0]!.equals(big.subarray(0, MiB))).to.equal(true);
      expect(result.bytes[1]!.equals(big.subarray(MiB + 5, 3 * MiB + 5))).to.equal(true);
      expect(result.bytes[2]!.equals(small.subarray(7))).to.equal(true);
    });

    it('refuses a caller that asks for more than one range ahead (INVALID_ARGUMENT)', async () => {
      const call = client.DownloadRanges({ deadline: deadline(15_000) });
      for (let i = 0; i < 3; i++)
        call.write({ sha256: sha(big), offset: i * CHUNK, length: CHUNK });
      const err = await grpcFailure(collect(call));
      expectStatus(err, 'INVALID_ARGUMENT');
      expect(err.details).to.match(/more than 1 range asked for ahead/);
    });

    it('refuses a range without a length, and a bad one as Download does', async () => {
      const none = await ranges([{ sha256: sha(big), offset: 0, length: 0 }]);
      expectStatus(none.error!, 'INVALID_ARGUMENT');
      expect(none.error?.details).to.match(/needs a length/);
      const outside = await ranges([{ sha256: sha(big), offset: big.length, length: 10 }]);
      expectStatus(outside.error!, 'OUT_OF_RANGE');
      const unknown = await ranges([{ sha256: sha(Buffer.from('missing')), offset: 0, length: 1 }]);
      expectStatus(unknown.error!, 'NOT_FOUND');
    });

    it('ends a stream nobody asks anything of after transfer.serveStallMs (1 s here)', async () => {
      const idle = await ranges([], false);
      expect(idle.error).to.equal(undefined);
      expect(idle.ms).to.be.within(900, 5000);
      const afterOne = await ranges([{ sha256: sha(small), offset: 0, length: 5 }], false);
      expect(afterOne.error).to.equal(undefined);
      expect(afterOne.bytes[0]!.equals(small.subarray(0, 5))).to.equal(true);
      expect(afterOne.ms).to.be.within(900, 5000);
    });
  });
});
