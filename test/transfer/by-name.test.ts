// Fetch by name through the findSources hook the overlay will provide: the
// hash most peers hold is picked and the choice is told; a second fetch of
// the same file follows the first instead of fetching it twice.
import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { GrpcTransferTransport } from '../../src/grpc/transfer-transport.js';
import { strangerCredentials, strangerDial } from '../fixtures/stranger.js';
import { resolveSources } from '../../src/transfer/source-finder.js';
import { TransferManager } from '../../src/transfer/transfer-manager.js';
import type { FindSources, SourceHit } from '../../src/transfer/types.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { randomContent, sha256Of, sha256OfFile } from './helpers.js';

const hit = (peerId: string, sha256: string, name = 'song.mp3'): SourceHit => ({
  peerId,
  address: `${peerId}.example:50051`,
  sha256,
  name,
  size: 10,
});

describe('transfer: sources by search', function () {
  this.timeout(60_000);

  it('picks the hash most peers hold for a name, and says so', async () => {
    const [a, b] = ['a'.repeat(64), 'b'.repeat(64)];
    const find: FindSources = () =>
      Promise.resolve([hit('p1', a), hit('p2', b), hit('p3', b), hit('p3', b)]);
    const found = await resolveSources(
      find,
      { name: 'song', explicit: [] },
      new AbortController().signal,
    );
    expect(found.sha256).to.equal(b);
    expect(found.sources.map((s) => s.peerId)).to.deep.equal(['p2', 'p3']);
    expect(found.note).to.match(/matches 2 different files.*held by 2 peer/);
    expect(found.name).to.equal('song.mp3');
  });

  it('says clearly when nobody has the file, and when search is not there', async () => {
    const none: FindSources = () => Promise.resolve([]);
    const signal = new AbortController().signal;
    for (const want of [{ name: 'x' }, { sha256: 'c'.repeat(64) }]) {
      const err = await resolveSources(none, { ...want, explicit: [] }, signal).catch((e) => e);
      expect(err.name).to.equal('NotFoundError');
      const noSearch = await resolveSources(undefined, { ...want, explicit: [] }, signal).catch(
        (e) => e,
      );
      expect(noSearch.message).to.match(/network search is not available yet/);
    }
  });

  describe('through a transfer manager', () => {
    const peers: TestPeer[] = [];
    let manager: TransferManager | undefined;
    afterEach(async () => {
      await manager?.stop();
      manager = undefined;
      await Promise.all(peers.splice(0).map((p) => p.stop()));
    });

    it('fetches by name, and a second fetch of the same file follows the first', async () => {
      const content = randomContent(3 * 1024 * 1024);
      const sha256 = sha256Of(content);
      const sources = await Promise.all(
        ['s1', 's2'].map((id) => startPeer({ id, files: { 'Song.flac': content } })),
      );
      const fetcher = await startPeer({ id: 'me' });
      peers.push(...sources, fetcher);
      const find: FindSources = () =>
        Promise.resolve(
          sources.map((s) => ({
            peerId: s.daemon.config.id,
            address: s.grpcAddress,
            sha256,
            name: 'Song.flac',
            size: content.length,
          })),
        );
      const { config, index, events } = fetcher.daemon;
      manager = new TransferManager(
        {
          index,
          events,
          logger: pino({ level: 'silent' }),
          transport: new GrpcTransferTransport(
            () => strangerCredentials(),
            (address) => strangerDial(address),
          ),
          findSources: find,
        },
        {
          ...config.transfer,
          self: () => ({ id: config.id, address: fetcher.grpcAddress }),
          sharedDir: config.sharedDir,
          dataDir: join(fetcher.dir, 'second-manager'),
          chunkSize: config.index.chunkSize,
          upload: config.upload,
        },
      );
      await manager.start();
      const first = manager.fetch({ name: 'song' });
      const second = manager.fetch({ name: 'Song.flac' });
      expect(second.id).to.not.equal(first.id);
      const [a, b] = await Promise.all([first.done, second.done]);
      expect(a.snapshot.state, a.error?.message).to.equal('completed');
      expect(b.snapshot.state, b.error?.message).to.equal('completed');
      expect(a.snapshot.note).to.match(/is sha256 [0-9a-f]{64}, held by 2 peer/);
      expect(b.snapshot.note).to.match(/already being fetched/);
      expect(a.snapshot.sources.map((s) => s.peerId).sort()).to.deep.equal(['s1', 's2']);
      expect(b.snapshot.path).to.equal(a.snapshot.path);
      expect(a.snapshot.path).to.equal(join(fetcher.shared, 'Song.flac'));
      expect(await sha256OfFile(a.snapshot.path)).to.equal(sha256);
    });
  });
});
