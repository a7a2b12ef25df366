// One contract, two facades: the same file queries through REST and gRPC
// must give the same answers, and the same failures map to matching codes.
import { expect } from 'chai';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import type { ControlServiceClient } from '../../src/generated/p2p/v1/ControlService.js';
import type { FileInfo__Output } from '../../src/generated/p2p/v1/FileInfo.js';
import type { PeerServiceClient } from '../../src/generated/p2p/v1/PeerService.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { expectProblem, getJson, http, sha256 } from '../fixtures/http.js';

const FILES: Record<string, string> = {
  'music/Beatles - Yesterday.mp3': 'yesterday',
  'music/Beatles - Let It Be.mp3': 'let it be',
  'music/Björk - Army of Me.flac': 'army',
  'docs/Résumé.pdf': 'resume',
  'docs/report 2024.txt': 'report',
  'docs/copy of report.txt': 'report', // same content: one file, two names
  'photos/IMG_0001.jpg': 'one',
  'photos/IMG_0002.jpg': 'two',
  'big.bin': 'x'.repeat(50_000),
  'empty.txt': '',
};

interface RestFile {
  sha256: string;
  names: string[];
  size: number;
  mtimeMs: number;
  chunkSize: number;
  chunkHashes?: string[];
}

function call<T>(fn: (cb: (err: ServiceError | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((err, value) => (err ? reject(err) : resolve(value as T))),
  );
}

async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  const err = await promise.then(
    () => undefined,
    (e: ServiceError) => e,
  );
  expect(err, 'the gRPC call should fail').to.not.equal(undefined);
  return err!;
}

describe('contract: files over REST and gRPC', () => {
  let peer: TestPeer;
  let control: ControlServiceClient;
  let peerClient: PeerServiceClient;

  const restList = (q: string, limit?: number, offset?: number) => {
    const params = new URLSearchParams({ q });
    if (limit !== undefined) params.set('limit', String(limit));
    if (offset !== undefined) params.set('offset', String(offset));
    return getJson<{ files: RestFile[]; total: number }>(
      `${peer.restUrl}/api/v1/files?${params.toString()}`,
    );
  };
  const grpcList = (query: string, limit?: number, offset?: number) =>
    call<{ files: FileInfo__Output[]; total: number }>((cb) =>
      control.ListFiles(
        { query, limit, offset },
        new Metadata(),
        { deadline: deadline(10_000) },
        cb,
      ),
    );
  const grpcGet = (hash: string) =>
    call<FileInfo__Output>((cb) =>
      peerClient.GetFile({ sha256: hash }, new Metadata(), { deadline: deadline(10_000) }, cb),
    );

  before(async () => {
    peer = await startPeer({ files: FILES, config: { index: { chunkSize: 16384 } } });
    control = createControlClient(peer.grpcAddress);
    peerClient = strangerClient(peer.grpcAddress);
  });
  after(async () => {
    control?.close();
    peerClient?.close();
    await peer?.stop();
  });

  for (const q of [
    '',
    'beatles',
    'report',
    'bjork',
    'RESUME',
    'img 0002',
    'docs',
    'nothing-matches',
  ]) {
    for (const [limit, offset] of [
      [undefined, undefined],
      [0, 0],
      [2, 0],
      [2, 2],
      [3, 6],
      [1000, 0],
      [5, 50],
    ] as const) {
      it(`ListFiles agrees for q="${q}" limit=${limit ?? 'default'} offset=${offset ?? 0}`, async () => {
        const [rest, grpc] = await Promise.all([
          restList(q, limit, offset),
          grpcList(q, limit, offset),
        ]);
        expect(rest.total).to.equal(grpc.total);
        expect(rest.files.map((f) => f.chunkHashes)).to.deep.equal(rest.files.map(() => undefined));
        expect(rest.files).to.deep.equal(
          grpc.files.map(({ sha256, names, size, mtimeMs, chunkSize }) => ({
            sha256,
            names,
            size,
            mtimeMs,
            chunkSize,
          })),
        );
      });
    }
  }

  it('lists something for the queries that should match', async () => {
    expect((await restList('beatles')).total).to.equal(2);
    expect((await restList('')).total).to.equal(Object.keys(FILES).length - 1);
  });

  it('GetFile agrees with GET /api/v1/files/:sha256 for every file', async () => {
    const { files } = await restList('', 1000);
    for (const { sha256: hash } of files) {
      const [rest, grpc] = await Promise.all([
        getJson<RestFile>(`${peer.restUrl}/api/v1/files/${hash}`),
        grpcGet(hash),
      ]);
      // The swarm fields are the peer wire's alone; for a complete file nobody is fetching they are empty.
      const { have, partial, holders, sent, ...file } = grpc;
      expect(rest).to.deep.equal(file);
      expect({ have: have.length, partial, holders, sent: sent.length }).to.deep.equal({
        have: 0,
        partial: false,
        holders: [],
        sent: 0,
      });
    }
    const big = await grpcGet(sha256(Buffer.from(FILES['big.bin']!)));
    expect(big.chunkHashes).to.have.length(4);
  });

  it('an unknown hash is 404 over REST and NOT_FOUND over gRPC', async () => {
    const unknown = 'a'.repeat(64);
    await expectProblem(await http(`${peer.restUrl}/api/v1/files/${unknown}`), 404, 'NOT_FOUND');
    expect((await grpcError(grpcGet(unknown))).code).to.equal(GrpcStatus.NOT_FOUND);
  });

  it('a malformed hash is 400 over REST and INVALID_ARGUMENT over gRPC', async () => {
    for (const bad of ['xyz', 'g'.repeat(64), 'a'.repeat(65)]) {
      await expectProblem(
        await http(`${peer.restUrl}/api/v1/files/${bad}`),
        400,
        'INVALID_ARGUMENT',
      );
      expect((await grpcError(grpcGet(bad))).code).to.equal(GrpcStatus.INVALID_ARGUMENT);
    }
  });

  it('a bad page is 400 over REST and INVALID_ARGUMENT over gRPC', async () => {
    for (const limit of [1001, 5000]) {
      await expectProblem(await http(`${peer.restUrl}/api/v1/files?limit=${limit}`), 400);
      expect((await grpcError(grpcList('', limit))).code).to.equal(GrpcStatus.INVALID_ARGUMENT);
    }
    const long = 'q'.repeat(1025);
    await expectProblem(await http(`${peer.restUrl}/api/v1/files?q=${long}`), 400);
    expect((await grpcError(grpcList(long))).code).to.equal(GrpcStatus.INVALID_ARGUMENT);
  });
});
