// Peers behind NAT, on one host: a peer whose advertised port answers nothing
// (grpc.advertise 127.0.0.1:<closed port>) is as undialable as one behind a
// home router. It must learn so from a neighbor's dial-back, listen on its
// neighbors, and still be fetched from (a reverse connection) and, when the
// fetcher is undialable too, through a relay. test/nat/nat-hosts.test.ts does
// the same across namespaces with a real NAT router.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';

/** A port nothing listens on (bound, noted, closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('peers that cannot be dialed (one host)', function () {
  this.timeout(60_000);
  const peers: TestPeer[] = [];
  afterEach(async () => {
    await Promise.allSettled(peers.map((p) => p.stop()));
    peers.length = 0;
  });

  async function start(
    id: string,
    options: {
      bootstrap?: string[];
      files?: Record<string, Buffer>;
      hidden?: boolean;
      relay?: boolean;
    } = {},
  ): Promise<TestPeer> {
    const p = await startPeer({
      id,
      files: options.files,
      config: {
        bootstrap: options.bootstrap ?? [],
        ...(options.hidden ? { grpc: { advertise: `127.0.0.1:${await closedPort()}` } } : {}),
        ...(options.relay ? { relay: { enabled: true } } : {}),
        nat: { recheckMs: 2000 },
      },
    });
    peers.push(p);
    return p;
  }

  it('each peer learns whether it can be dialed, and says so in status and adverts', async () => {
    const r = await start('r');
    const n = await start('n', { bootstrap: [r.grpcAddress], hidden: true });
    const changes: string[] = [];
    n.daemon.events.subscribe((e) => {
      if (e.type === 'reachability.changed') changes.push(e.data.reachability);
    });
    await waitFor(() => n.daemon.status().reachability === 'unreachable', {
      what: 'n to be unreachable',
    });
    await waitFor(() => r.daemon.status().reachability === 'reachable', {
      what: 'r to be reachable',
    });
    await waitFor(() => n.daemon.status().via.length === 1, { what: 'n to listen on r' });
    expect(n.daemon.status().via).to.deep.equal([r.grpcAddress]);
    expect(n.daemon.overlay.self?.reachability).to.equal('unreachable');
    expect(n.daemon.overlay.self?.via).to.deep.equal([r.grpcAddress]);
    expect(changes).to.deep.equal(['unreachable']);
    const res = await fetch(`${n.restUrl}/api/v1/status`);
    const body = (await res.json()) as { reachability: string; via: string[] };
    expect(body.reachability).to.equal('unreachable');
    expect(body.via).to.deep.equal([r.grpcAddress]);
    // R keeps its neighbor behind NAT: its pings travel the reverse path.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(r.daemon.overlay.neighbors().map((v) => v.peer.id)).to.include('n');
    expect(r.daemon.overlay.neighbors().find((v) => v.peer.id === 'n')!.state).to.equal(
      'connected',
    );
  });

  it('a dialable peer fetches from an undialable one (reverse connection), found by search', async () => {
    const content = randomBytes(3 * 1024 * 1024);
    const r = await start('r');
    const n = await start('n', {
      bootstrap: [r.grpcAddress],
      hidden: true,
      files: { 'behind-nat.bin': content },
    });
    await waitFor(() => n.daemon.status().via.length === 1, { what: 'n to listen on r' });
    const a = await start('a', { bootstrap: [r.grpcAddress] });
    await waitFor(() => a.daemon.status().reachability === 'reachable', {
      what: 'a to be reachable',
    });
    const hits = await waitFor(
      async () => {
        const s = await a.daemon.overlay.collect('behind nat', { timeoutMs: 1000 });
        return s.hits.find((h) => h.peer.id === 'n');
      },
      { timeoutMs: 15_000, what: 'a to find the file of n' },
    );
    expect(hits.peer.reachability).to.equal('unreachable');
    const started = Date.now();
    const outcome = await a.daemon.transfers.fetch({ sha256: sha(content) }).done;
    expect(outcome.snapshot.state, outcome.error?.message).to.equal('completed');
    const got = await readFile(join(a.shared, 'behind-nat.bin'));
    expect(sha(got)).to.equal(sha(content));
    console.log(`      [figures] reverse fetch (loopback) of 3 MiB: ${Date.now() - started} ms`);
  });

  it('two undialable peers exchange a file through a relay', async () => {
    const content = randomBytes(1024 * 1024);
    const r = await start('r', { relay: true });
    const n1 = await start('n1', {
      bootstrap: [r.grpcAddress],
      hidden: true,
      files: { 'relayed.bin': content },
    });
    const n2 = await start('n2', { bootstrap: [r.grpcAddress], hidden: true });
    await waitFor(
      () => n1.daemon.status().via.length === 1 && n2.daemon.status().via.length === 1,
      {
        timeoutMs: 15_000, // joining, learning it is unreachable and asking r: slow on a busy machine
        what: 'both to listen on r',
      },
    );
    const seen: Buffer[] = [];
    r.daemon.nat.relay.tap = (chunk) => seen.push(Buffer.from(chunk));
    const outcome = await n2.daemon.transfers.fetch({ sha256: sha(content) }).done;
    expect(outcome.snapshot.state, outcome.error?.message).to.equal('completed');
    expect(sha(await readFile(join(n2.shared, 'relayed.bin')))).to.equal(sha(content));
    const carried = Buffer.concat(seen);
    expect(carried.length).to.be.greaterThan(content.length);
    let visible = 0;
    for (let off = 0; off + 64 <= content.length; off += 4096) {
      if (carried.includes(content.subarray(off, off + 64))) visible++;
    }
    expect(visible).to.equal(0);
  });

  it('a peer that does not relay refuses, and the fetch fails cleanly', async () => {
    const content = randomBytes(64 * 1024);
    const r = await start('r');
    const n1 = await start('n1', {
      bootstrap: [r.grpcAddress],
      hidden: true,
      files: { 'not-relayed.bin': content },
    });
    const n2 = await start('n2', { bootstrap: [r.grpcAddress], hidden: true });
    await waitFor(
      () => n1.daemon.status().via.length === 1 && n2.daemon.status().via.length === 1,
      { timeoutMs: 15_000, what: 'both to listen on r' },
    );
    const outcome = await n2.daemon.transfers.fetch({ sha256: sha(content) }).done;
    expect(outcome.snapshot.state).to.equal('failed');
    const refused = r.daemon.core.metrics.relayRefused.values;
    expect(
      [...refused.values()].find((v) => v.labels.reason === 'disabled')?.value,
    ).to.be.greaterThan(0);
  });
});
