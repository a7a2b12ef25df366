// The serving side's bookkeeping of swarming, where remote peers' claims are
// bounded: the fetchers a source remembers and hands on, the upload slots
// (choking), and the chunks a seed tells fetchers it already sent.
import { expect } from 'chai';
import { TooManyRequestsError } from '../../src/errors.js';
import { ChunkMap } from '../../src/transfer/chunk-map.js';
import { FetcherRegistry } from '../../src/transfer/serving/fetcher-registry.js';
import { SentChunks } from '../../src/transfer/serving/sent-chunks.js';
import { UploadSlots } from '../../src/transfer/serving/upload-slots.js';

const SHA = 'a'.repeat(64);

describe('transfer: swarm serving bookkeeping', () => {
  describe('fetcher registry', () => {
    it('hands a fetcher to the others, never to itself', () => {
      const r = new FetcherRegistry();
      expect(r.note(SHA, '10.0.0.2:50051', '10.0.0.2')).to.equal(true);
      expect(r.note(SHA, '10.0.0.3:50051', '::ffff:10.0.0.3')).to.equal(true);
      expect(r.list(SHA, 16, '10.0.0.3:50051')).to.deep.equal(['10.0.0.2:50051']);
      expect(r.list(SHA, 16).sort()).to.deep.equal(['10.0.0.2:50051', '10.0.0.3:50051']);
      expect(r.addressFor('10.0.0.3')).to.equal('10.0.0.3:50051');
    });

    it('refuses an address on another host than the caller, or one that is not host:port', () => {
      const r = new FetcherRegistry();
      expect(r.note(SHA, '10.0.0.9:50051', '10.0.0.2')).to.equal(false);
      expect(r.note(SHA, '0.0.0.0:50051', '0.0.0.0')).to.equal(false);
      expect(r.note(SHA, '10.0.0.2:0', '10.0.0.2')).to.equal(false);
      expect(r.note(SHA, '10.0.0.2:99999', '10.0.0.2')).to.equal(false);
      expect(r.note(SHA, 'no-port', 'no-port')).to.equal(false);
      expect(r.list(SHA, 16)).to.deep.equal([]);
    });

    it('bounds fetchers per caller, per file and files, and expires them', () => {
      let now = 0;
      const r = new FetcherRegistry({
        maxPerCaller: 2,
        maxPerFile: 4,
        maxFiles: 2,
        ttlMs: 1000,
        now: () => now,
      });
      for (let port = 1; port <= 10; port++) r.note(SHA, `10.0.0.2:${port}`, '10.0.0.2');
      expect(r.list(SHA, 100)).to.have.length(2);
      for (let h = 3; h <= 9; h++) r.note(SHA, `10.0.0.${h}:1`, `10.0.0.${h}`);
      expect(r.list(SHA, 100)).to.have.length(4);
      r.note('b'.repeat(64), '10.0.0.2:1', '10.0.0.2');
      r.note('c'.repeat(64), '10.0.0.2:1', '10.0.0.2');
      expect(r.list(SHA, 100), 'the least recently touched file is forgotten').to.deep.equal([]);
      now = 2000;
      expect(r.list('c'.repeat(64), 100), 'expired').to.deep.equal([]);
    });
  });

  describe('upload slots', () => {
    it('gives free slots at once and chokes the rest', () => {
      const slots = new UploadSlots({ slots: 2, uploadedToUs: () => 0, now: () => 0 });
      slots.admit('a');
      slots.admit('b');
      expect(() => slots.admit('c')).to.throw(TooManyRequestsError, /choked/);
      slots.admit('a'); // served peers keep being served until the next rechoke
    });

    it('rotates the slots among the peers that ask, so every one gets a turn', () => {
      let now = 0;
      const slots = new UploadSlots({
        slots: 2,
        rechokeMs: 100,
        uploadedToUs: () => 0,
        now: () => now,
        random: () => 0,
      });
      const served = new Map<string, number>();
      for (let round = 0; round < 30; round++) {
        now += 100;
        for (const p of ['a', 'b', 'c', 'd', 'e']) {
          try {
            slots.admit(p);
            served.set(p, (served.get(p) ?? 0) + 1);
          } catch (err) {
            expect(err).to.be.instanceOf(TooManyRequestsError);
          }
        }
        expect(slots.served().length).to.be.at.most(2);
      }
      expect([...served.keys()].sort(), 'every peer was served').to.deep.equal([
        'a',
        'b',
        'c',
        'd',
        'e',
      ]);
    });

    it('prefers the peers that upload to us', () => {
      let now = 0;
      const slots = new UploadSlots({
        slots: 2,
        rechokeMs: 100,
        optimisticEvery: 1000,
        uploadedToUs: (k) => (k === 'giver' ? 1e9 : 0),
        now: () => now,
        random: () => 0,
      });
      let giverRefused = 0;
      for (let round = 0; round < 20; round++) {
        now += 100;
        for (const p of ['x', 'y', 'z', 'giver']) {
          try {
            slots.admit(p);
          } catch {
            if (p === 'giver') giverRefused++;
          }
        }
      }
      expect(giverRefused, 'rounds the peer that uploads to us was choked').to.be.at.most(1);
    });

    it('remembers a bounded number of asking peers; newcomers past it wait', () => {
      const slots = new UploadSlots({ slots: 1, uploadedToUs: () => 0, now: () => 0 });
      for (let i = 0; i < 4096; i++) {
        try {
          slots.admit(`p${i}`);
        } catch {
          // choked: expected for all but one
        }
      }
      expect(() => slots.admit('one-too-many')).to.throw(TooManyRequestsError, /too many peers/);
    });

    it('serves everyone with 0 slots', () => {
      const slots = new UploadSlots({ slots: 0, uploadedToUs: () => 0 });
      for (let i = 0; i < 100; i++) slots.admit(`p${i}`);
    });
  });

  describe('sent chunks', () => {
    it('tells each asker the chunks sent to the others, not its own', () => {
      const sent = new SentChunks(() => 0);
      sent.note(SHA, 16, 'a', 0, 3);
      expect(sent.get(SHA, 'a'), 'alone: nothing').to.equal(undefined);
      sent.note(SHA, 16, 'b', 8, 8);
      const forA = ChunkMap.fromBytes(16, sent.get(SHA, 'a')!)!;
      expect([...forA.indexes()]).to.deep.equal([8]);
      const forC = ChunkMap.fromBytes(16, sent.get(SHA, 'c')!)!;
      expect([...forC.indexes()]).to.deep.equal([0, 1, 2, 3, 8]);
    });

    it('starts a fresh round once every chunk went out, or after a quiet spell', () => {
      let now = 0;
      const sent = new SentChunks(() => now);
      sent.note(SHA, 4, 'a', 0, 3);
      sent.note(SHA, 4, 'b', 0, 0);
      expect([...ChunkMap.fromBytes(4, sent.get(SHA, 'c')!)!.indexes()]).to.deep.equal([0]);
      now = 60_000;
      expect(sent.get(SHA, 'c')).to.equal(undefined);
    });
  });

  it('reads a have-map only of exactly one byte per 8 chunks', () => {
    expect(ChunkMap.fromBytes(9, new Uint8Array(1))).to.equal(undefined);
    expect(ChunkMap.fromBytes(9, new Uint8Array(3))).to.equal(undefined);
    const map = ChunkMap.fromBytes(9, Uint8Array.from([0b101, 0b1]))!;
    expect([...map.indexes()]).to.deep.equal([0, 2, 8]);
    expect(ChunkMap.fromBytes(9, map.toBytes())!.size).to.equal(3);
  });
});
