// The three sample configs in config/ form a network: `p2pd search` from
// peer1 finds the files of peer3 (see test/fixtures/sample-network.ts).
import { expect } from 'chai';
import { connectClient, readStream } from '../fixtures/nats-client.js';
import { waitFor } from '../fixtures/peers.js';
import { startSampleNetwork, type SampleNetwork } from '../fixtures/sample-network.js';
import { runP2pd } from '../fixtures/spawn.js';
import { controlSearch } from './network.js';

describe('sample configs', function () {
  this.timeout(120_000);
  let net: SampleNetwork | undefined;

  after(async () => net?.stop());

  it('peer1, peer2 and peer3 form a network where peer1 finds the files of peer3', async () => {
    net = await startSampleNetwork(
      ['peer1', 'peer2', 'peer3'].map((n) => ({
        [`${n}-holiday-photo.jpg`]: `a photo shared by ${n}`,
      })),
    );
    const { addresses } = net;
    const hits = await waitFor(
      async () => {
        const result = await controlSearch(addresses[0]!, { query: 'photo', timeoutMs: 2000 });
        const ids = result.hits.map((h) => h.peer!.id).sort();
        return ids.includes('peer3') && ids.includes('peer2') ? result.hits : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'peer1 to find the files of peer2 and peer3' },
    );
    const fromPeer3 = hits.find((h) => h.peer!.id === 'peer3')!;
    expect(fromPeer3.file!.names).to.deep.equal(['peer3-holiday-photo.jpg']);
    expect(fromPeer3.peer!.address).to.equal(addresses[2]);

    // And as a person would ask: `p2pd search` against peer1. Routing tables
    // reach peer1 a few hundred ms per hop after peer3 joins, so a search in
    // that window may be routed by older tables: ask until the answer is whole.
    const cli = await waitFor(
      async () => {
        const r = await runP2pd(['search', 'holiday', 'photo', '--addr', addresses[0]!]);
        return r.code !== 0 || /^3 hits/m.test(r.stdout) ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: '`p2pd search` to find all three photos' },
    );
    expect(cli.stderr).to.equal('');
    expect(cli.code).to.equal(0);
    expect(cli.stdout).to.match(
      new RegExp(`\\speer3\\s+${addresses[2]}\\s+peer3-holiday-photo\\.jpg$`, 'm'),
    );
    expect(cli.stdout).to.match(/^3 hits from 3 peers in \d+ ms$/m);

    // The three publish into one JetStream stream: each event is there once, under its peer.
    const nc = await connectClient(net.nats.url);
    try {
      const stored = await waitFor(
        async () => {
          const all = await readStream(nc, 'P2P_EVENTS');
          const starts = all.filter((s) => s.event.type === 'daemon.started').length;
          return starts === 3 && all.filter((s) => s.event.type === 'file.added').length >= 3
            ? all
            : undefined;
        },
        { timeoutMs: 15_000, what: "every peer's events in the stream" },
      );
      const ids = stored.map((s) => s.event.id);
      expect(new Set(ids).size).to.equal(ids.length);
      for (const s of stored) expect(s.subject).to.equal(`p2p.${s.event.peer}.${s.event.type}`);
      for (const peer of ['peer1', 'peer2', 'peer3']) {
        const types = stored.filter((s) => s.event.peer === peer).map((s) => s.event.type);
        expect(types[0], peer).to.equal('daemon.started');
        expect(types, peer).to.include.members(['file.added', 'peer.joined']);
      }
    } finally {
      await nc.close();
    }
  });
});
