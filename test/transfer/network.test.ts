// Transfers over a real overlay: sources found by network search (by hash
// and by name), pushes to a neighbor by id, and the three sample configs
// where `p2pd get` on peer1 fetches a file only peer3 has.
import { expect } from 'chai';
import { join } from 'node:path';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { startSampleNetwork, type SampleNetwork } from '../fixtures/sample-network.js';
import { runP2pd } from '../fixtures/spawn.js';
import { neighborIds, startNetPeer, waitForRoutes } from '../overlay/network.js';
import { controlStream, randomContent, sha256Of, sha256OfFile } from './helpers.js';

describe('transfer: over the network', function () {
  this.timeout(90_000);

  const content = randomContent(2 * 1024 * 1024 + 3);
  const sha256 = sha256Of(content);

  /** p1 - p2 - p3: p1 reaches p3's files only through p2. Each goes into `peers` once started. */
  async function startLine(peers: TestPeer[], search?: Record<string, unknown>): Promise<void> {
    const p3 = await startNetPeer({ id: 'p3', files: { 'Only On Three.iso': content }, search });
    peers.unshift(p3);
    const p2 = await startNetPeer({ id: 'p2', bootstrap: [p3.grpcAddress], search });
    peers.unshift(p2);
    const p1 = await startNetPeer({
      id: 'p1',
      bootstrap: [p2.grpcAddress],
      overlay: { maxPeers: 1, minPeers: 1 },
      search,
    });
    peers.unshift(p1);
    await waitFor(() => neighborIds(p1).includes('p2') && neighborIds(p2).includes('p3'), {
      timeoutMs: 20_000,
      what: 'the line to form',
    });
  }

  describe('a line of three in-process peers', () => {
    const peers: TestPeer[] = [];

    beforeEach(async () => {
      await startLine(peers);
    });
    afterEach(async () => {
      await Promise.all(peers.splice(0).map((p) => p.stop()));
    });

    it('fetches by hash with no sources given: a search finds the peer that has it', async () => {
      const [p1] = peers;
      const result = await controlStream(p1!.grpcAddress, 'Fetch', { sha256 });
      expect(result.error, result.error?.message).to.equal(undefined);
      expect(result.last?.state).to.equal('completed');
      expect(result.last?.sources.map((s) => s.peerId)).to.deep.equal(['p3']);
      expect(await sha256OfFile(join(p1!.shared, 'Only On Three.iso'))).to.equal(sha256);
    });

    it('fetches by name, telling which hash it picked', async () => {
      const [p1] = peers;
      const handle = p1!.daemon.transfers.fetch({ name: 'only three' });
      const { snapshot, error } = await handle.done;
      expect(snapshot.state, error?.message).to.equal('completed');
      expect(snapshot.sha256).to.equal(sha256);
      expect(snapshot.note).to.include(sha256);
      expect(snapshot.path).to.equal(join(p1!.shared, 'Only On Three.iso'));
    });

    it('pushes to a neighbor named by its id', async () => {
      const [, p2, p3] = peers;
      const result = await controlStream(p3!.grpcAddress, 'Push', { sha256, peer: 'p2' });
      expect(result.error, result.error?.message).to.equal(undefined);
      expect(result.last?.peer).to.equal(p2!.grpcAddress);
      expect(await sha256OfFile(join(p2!.shared, 'incoming', 'Only On Three.iso'))).to.equal(
        sha256,
      );
      const unknown = await controlStream(p3!.grpcAddress, 'Push', { sha256, peer: 'p9' });
      expect(unknown.error?.code).to.equal(5); // NOT_FOUND
    });
  });

  describe('a line of three routing searches by keyword tables', () => {
    const peers: TestPeer[] = [];

    afterEach(async () => {
      await Promise.all(peers.splice(0).map((p) => p.stop()));
    });

    it('fetches by hash with no sources given: the hash search is routed to its holder', async () => {
      await startLine(peers, { routing: 'bloom', routesIntervalMs: 100 });
      const [p1] = peers;
      // Once the tables settle p1 routes by them: a word nobody has goes nowhere,
      // and the hash (listed in p3's table) goes along p1 -> p2 -> p3 only.
      await waitForRoutes(peers, 100, 30_000);
      const overlay = p1!.daemon.overlay;
      const pruned = overlay.stats().pruned;
      await overlay.collect('nobody-shares-this', { timeoutMs: 300 });
      expect(overlay.stats().pruned).to.be.above(pruned);
      const targeted = overlay.stats().targeted;
      const result = await controlStream(p1!.grpcAddress, 'Fetch', { sha256 });
      expect(result.error, result.error?.message).to.equal(undefined);
      expect(result.last?.state).to.equal('completed');
      expect(result.last?.sources.map((s) => s.peerId)).to.deep.equal(['p3']);
      expect(await sha256OfFile(join(p1!.shared, 'Only On Three.iso'))).to.equal(sha256);
      expect(overlay.stats().targeted).to.be.above(targeted);
    });
  });

  describe('the sample configs', () => {
    let net: SampleNetwork | undefined;

    after(async () => net?.stop());

    it('`p2pd get` on peer1 fetches a file that only peer3 has', async () => {
      const content = randomContent(3 * 1024 * 1024);
      net = await startSampleNetwork([{}, {}, { 'from-peer3.bin': content }]);
      const { addresses } = net;

      // The overlay needs a moment to form; retry until peer1's search reaches peer3.
      const result = await waitFor(
        async () => {
          const r = await runP2pd(['get', sha256Of(content), '--addr', addresses[0]!], 30_000);
          return r.code === 0 ? r : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'p2pd get on peer1 to succeed' },
      );
      const target = join(net.shared[0]!, 'from-peer3.bin');
      expect(result.stdout).to.include(`to ${target}`);
      expect(result.stdout).to.match(/peer3: \d+ chunks/);
      expect(await sha256OfFile(target)).to.equal(sha256Of(content));
    });
  });
});
