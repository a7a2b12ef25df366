// ControlService Status and ListFiles.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createControlClient, deadline, unaryCall } from '../../src/grpc/clients.js';
import type { ControlServiceClient } from '../../src/generated/p2p/v1/ControlService.js';
import type { ListFilesRequest } from '../../src/generated/p2p/v1/ListFilesRequest.js';
import type { ListFilesResponse__Output } from '../../src/generated/p2p/v1/ListFilesResponse.js';
import type { StatusResponse__Output } from '../../src/generated/p2p/v1/StatusResponse.js';
import { readVersion } from '../../src/version.js';
import { expectStatus, grpcFailure } from '../fixtures/grpc.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('grpc ControlService', function () {
  const files: Record<string, string> = {
    'music/Beatles - Let It Be.mp3': 'let it be',
    'music/Beatles - Help.mp3': 'help!',
    'docs/report-2024.pdf': 'report',
    'docs/Résumé.txt': 'cv',
    'copy/report-2024.pdf': 'report', // same content as docs/report-2024.pdf
  };
  for (let i = 0; i < 12; i++) files[`bulk/item-${String(i).padStart(2, '0')}.dat`] = `item ${i}`;
  let peer: TestPeer;
  let control: ControlServiceClient;

  before(async () => {
    peer = await startPeer({ id: 'ctl', files });
    control = createControlClient(peer.grpcAddress);
  });
  after(async () => {
    control?.close();
    await peer?.stop();
  });

  const listFiles = (req: ListFilesRequest): Promise<ListFilesResponse__Output> =>
    unaryCall((cb) => control.ListFiles(req, { deadline: deadline(5000) }, cb));

  it('Status reports this daemon', async () => {
    const s = await unaryCall<StatusResponse__Output>((cb) =>
      control.Status({}, { deadline: deadline(5000) }, cb),
    );
    expect(s.id).to.equal('ctl');
    expect(s.version).to.equal(readVersion());
    expect(s.grpcAddress).to.equal(peer.grpcAddress);
    expect(s.restAddress).to.equal(peer.restUrl.replace('http://', ''));
    expect(s.files).to.equal(16); // 17 names, two share content
    const distinct = new Set(Object.values(files));
    const bytes = [...distinct].reduce((n, c) => n + Buffer.byteLength(c), 0);
    expect(s.bytesShared).to.equal(bytes);
    expect(s.sharedDir).to.equal(peer.shared);
    expect(s.uptimeMs).to.be.at.least(0);
    expect(s.peers).to.equal(0);
    expect(s.indexing).to.be.a('boolean');
    expect(s.natsState).to.equal('disabled');
    expect(s.log).to.deep.equal({
      file: join(peer.dir, 'p2pd.log'),
      writable: true,
      droppedLines: 0,
      error: '',
    });
  });

  it('ListFiles lists everything by default, sorted, without chunk hashes', async () => {
    const res = await listFiles({});
    expect(res.total).to.equal(16);
    expect(res.files).to.have.length(16);
    const firstNames = res.files.map((f) => f.names[0]!);
    expect(firstNames).to.deep.equal([...firstNames].sort());
    const report = res.files.find((f) => f.sha256 === sha('report'))!;
    expect(report.names).to.deep.equal(['copy/report-2024.pdf', 'docs/report-2024.pdf']);
    expect(report.size).to.equal(6);
    expect(report.chunkHashes).to.deep.equal([]);
  });

  it('ListFiles matches keywords (all must match, case- and accent-insensitive)', async () => {
    const beatles = await listFiles({ query: 'beatles' });
    expect(beatles.total).to.equal(2);
    expect(beatles.files.flatMap((f) => f.names)).to.have.members([
      'music/Beatles - Let It Be.mp3',
      'music/Beatles - Help.mp3',
    ]);
    const both = await listFiles({ query: 'BEATLES let' });
    expect(both.files.map((f) => f.names[0])).to.deep.equal(['music/Beatles - Let It Be.mp3']);
    const accent = await listFiles({ query: 'resume' });
    expect(accent.files.map((f) => f.names[0])).to.deep.equal(['docs/Résumé.txt']);
    const none = await listFiles({ query: 'nothing-like-this' });
    expect(none).to.deep.include({ total: 0, files: [] });
  });

  it('ListFiles pages with limit and offset; total counts matches before paging', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 12; offset += 5) {
      const page = await listFiles({ query: 'bulk', limit: 5, offset });
      expect(page.total).to.equal(12);
      expect(page.files).to.have.length(Math.min(5, 12 - offset));
      seen.push(...page.files.map((f) => f.names[0]!));
    }
    expect(seen).to.deep.equal(
      Array.from({ length: 12 }, (_, i) => `bulk/item-${String(i).padStart(2, '0')}.dat`),
    );
    const past = await listFiles({ query: 'bulk', limit: 5, offset: 100 });
    expect(past).to.deep.include({ total: 12, files: [] });
    expect((await listFiles({ limit: 1000 })).files).to.have.length(16);
  });

  it('ListFiles refuses limit > 1000 and an oversized query with INVALID_ARGUMENT', async () => {
    expectStatus(await grpcFailure(listFiles({ limit: 1001 })), 'INVALID_ARGUMENT');
    expectStatus(await grpcFailure(listFiles({ query: 'x'.repeat(5000) })), 'INVALID_ARGUMENT');
  });

  // Every method is implemented now: the network methods are tested in
  // test/overlay, the transfer methods in test/transfer, WatchEvents in test/events.
});
