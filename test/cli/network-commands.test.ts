// `p2pd peers`, `connect`, `disconnect` and `search`: the real binary against
// a small network of real daemons.
import { expect } from 'chai';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { runP2pd, spawnP2pd } from '../fixtures/spawn.js';
import { startFakePeer, type FakePeer } from '../overlay/fake-peer.js';
import { neighborIds, startNetPeer, stopAll } from '../overlay/network.js';

describe('cli network commands', function () {
  this.timeout(60_000);
  // No healing, and a disconnected peer stays away for the whole test.
  const manual = { minPeers: 0, maxDialBackoffMs: 120_000, exploreIntervalMs: 0 };
  let a: TestPeer;
  let b: TestPeer;
  let c: TestPeer;
  let fake: FakePeer | undefined;

  before(async () => {
    // A line a - b - c, each with a photo.
    a = await startNetPeer({ id: 'a', overlay: manual, files: { 'a-holiday-photo.jpg': 'aa' } });
    b = await startNetPeer({
      id: 'b',
      overlay: manual,
      files: { 'trips/b-holiday-photo.jpg': 'bbb', 'b-report.pdf': 'r' },
    });
    c = await startNetPeer({ id: 'c', overlay: manual, files: { 'c-holiday-photo.jpg': 'cccc' } });
    await a.daemon.overlay.connect(b.grpcAddress);
    await b.daemon.overlay.connect(c.grpcAddress);
  });
  after(async () => {
    await fake?.stop(true);
    await stopAll([a, b, c]);
  });

  const lines = (text: string): string[] => text.trimEnd().split('\n');

  it('peers lists neighbors with state, RTT and direction', async () => {
    await waitFor(() => b.daemon.overlay.neighbors().every((n) => n.rttMs >= 0), {
      what: 'pings',
    });
    const r = await runP2pd(['peers', '--addr', b.grpcAddress]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const out = lines(r.stdout);
    expect(out[0]).to.match(/^ID\s+ADDRESS\s+KEY\s+STATE\s+RTT\s+DIRECTION\s+SINCE$/);
    // Each neighbor with the first group of the key it proved.
    const key = (p: typeof a): string => p.daemon.status().fingerprint.slice(0, 13);
    expect(r.stdout).to.match(
      new RegExp(`^a\\s+${a.grpcAddress}\\s+${key(a)}…\\s+connected\\s+\\d+ ms\\s+inbound`, 'm'),
    );
    expect(r.stdout).to.match(
      new RegExp(`^c\\s+${c.grpcAddress}\\s+${key(c)}…\\s+connected\\s+\\d+ ms\\s+outbound`, 'm'),
    );
    expect(out.at(-1)).to.equal('2 neighbors');

    const json = await runP2pd(['peers', '--addr', b.grpcAddress, '--json']);
    const parsed = JSON.parse(json.stdout) as { peers: { peer: { id: string } }[] };
    expect(parsed.peers.map((n) => n.peer.id).sort()).to.deep.equal(['a', 'c']);
  });

  it('connect and disconnect add and drop a neighbor; errors exit 1 with one line', async () => {
    const joined = await runP2pd(['connect', c.grpcAddress, '--addr', a.grpcAddress]);
    expect(joined.stderr).to.equal('');
    expect(joined.stdout.trim()).to.equal(`connected to c at ${c.grpcAddress}`);
    expect(neighborIds(c)).to.include('a');

    const dropped = await runP2pd(['disconnect', 'c', '--addr', a.grpcAddress]);
    expect(dropped.code).to.equal(0);
    expect(dropped.stdout.trim()).to.equal('disconnected from c');
    expect(neighborIds(a)).to.deep.equal(['b']);

    const again = await runP2pd(['disconnect', 'c', '--addr', a.grpcAddress]);
    expect(again.code).to.equal(1);
    expect(lines(again.stderr)).to.have.length(1);
    expect(again.stderr).to.match(/not a neighbor \(NOT_FOUND\)/);

    const self = await runP2pd(['connect', a.grpcAddress, '--addr', a.grpcAddress]);
    expect(self.code).to.equal(1);
    expect(self.stderr).to.match(/own address \(INVALID_ARGUMENT\)/);
  });

  it('search prints a row per hit across the network, then a summary', async () => {
    const r = await runP2pd(['search', 'holiday', 'photo', '--addr', a.grpcAddress]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const out = lines(r.stdout);
    expect(out[0]).to.match(/^SHA256\s+SIZE\s+HOPS\s+LATENCY\s+PEER\s+ADDRESS\s+NAME$/);
    expect(out.slice(1, -1)).to.have.length(3);
    expect(r.stdout).to.match(
      /^[0-9a-f]{12}\s+2 B\s+0\s+\d+ ms\s+a\s+\S+\s+a-holiday-photo\.jpg$/m,
    );
    expect(r.stdout).to.match(
      new RegExp(
        `^[0-9a-f]{12}\\s+3 B\\s+1\\s+\\d+ ms\\s+b\\s+${b.grpcAddress}\\s+trips/b-holiday-photo\\.jpg$`,
        'm',
      ),
    );
    expect(r.stdout).to.match(/\s+4 B\s+2\s+\d+ ms\s+c\s+\S+\s+c-holiday-photo\.jpg$/m);
    expect(out.at(-1)).to.match(/^3 hits from 3 peers in \d+ ms$/);

    const short = await runP2pd([
      'search',
      'holiday',
      '--ttl',
      '1',
      '--addr',
      a.grpcAddress,
      '--json',
    ]);
    const hits = lines(short.stdout).map(
      (l) => JSON.parse(l) as { peer: { id: string }; hops: number },
    );
    expect(hits.map((h) => h.peer.id).sort()).to.deep.equal(['a', 'b']);

    const none = await runP2pd(['search', 'nothing-like-this', '--addr', a.grpcAddress]);
    // No bare table header above it: the summary alone.
    expect(lines(none.stdout)).to.have.length(1);
    expect(lines(none.stdout)[0]).to.match(/^no hits \(searched for \d+ ms\)$/);
  });

  it('search refuses bad input: a huge TTL (exit 1), no terms or a bad flag (exit 2)', async () => {
    const ttl = await runP2pd(['search', 'photo', '--ttl', '1000000', '--addr', a.grpcAddress]);
    expect(ttl.code).to.equal(1);
    expect(lines(ttl.stderr)).to.have.length(1);
    expect(ttl.stderr).to.match(/ttl must be an integer from 0 to 16 \(INVALID_ARGUMENT\)/);
    const long = await runP2pd(['search', 'x'.repeat(10_000), '--addr', a.grpcAddress]);
    expect(long.code).to.equal(1);
    expect(long.stderr).to.match(/at most 256 are allowed \(INVALID_ARGUMENT\)/);
    const noTerms = await runP2pd(['search', '--addr', a.grpcAddress]);
    expect(noTerms.code).to.equal(2);
    const badWait = await runP2pd(['search', 'photo', '--wait', '-5', '--addr', a.grpcAddress]);
    expect(badWait.code).to.equal(2);
  });

  it('search prints hits as they arrive, before a hanging neighbor runs out its time', async () => {
    fake = await startFakePeer({ id: 'sloth', hangOnSearch: true });
    await a.daemon.overlay.connect(fake.address);
    const wait = 4000;
    const child = spawnP2pd(['search', 'report', '--wait', String(wait), '--addr', a.grpcAddress]);
    await child.waitForOutput(/b-report\.pdf/, 20_000);
    const rowAt = Date.now();
    const { code } = await child.exited;
    const exitAt = Date.now();
    expect(code).to.equal(0);
    expect(exitAt - rowAt, 'the row came well before the end').to.be.above(1500);
    expect(lines(child.output()).at(-1)).to.match(/^1 hit from 1 peer in \d+ ms$/);
  });
});
