// Behind NAT, across real hosts: two homes (n1, n2), each behind its own
// router namespace that masquerades and forwards nothing inbound, and two
// public hosts (h1, which relays, and h2), every daemon with the default gRPC
// settings. Each must learn its reachability; the public hosts find and fetch
// n1's file (a reverse connection), push to it, and n2 fetches it through the
// relay h1, whose piped bytes never contain the file's. Needs root.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../fixtures/peers.js';
import { createLab, type Lab } from '../fixtures/netns.js';
import { startLabPeer, type LabPeer } from '../fixtures/lab-daemons.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 16 * MiB;
const TAP_SCRIPT = fileURLToPath(new URL('../fixtures/tap-daemon.js', import.meta.url));

interface ReachView {
  reachability: string;
  via: string[];
}
interface TransferView {
  state: string;
  error: string;
  path: string;
}

const mbps = (ms: number): string => ((FILE_BYTES * 8) / 1e6 / (ms / 1000)).toFixed(1);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Random bytes with a marker every 64 KiB: what a relay must never see. */
function markedFile(marker: Buffer): Buffer {
  const out = randomBytes(FILE_BYTES);
  for (let off = 0; off + marker.length <= out.length; off += 64 * 1024) marker.copy(out, off);
  return out;
}

describe('behind NAT (network namespaces)', function () {
  this.timeout(300_000);
  let lab: Lab | undefined;
  let tapDir = '';
  const peers = new Map<string, LabPeer>();
  const figures: string[] = [];
  const marker = Buffer.from(`NAT-MARKER-${randomBytes(16).toString('hex')}`);
  const natFile = markedFile(marker);
  /** Only n1 has it and only n2 fetches it: every byte comes through the relay. */
  const relayFile = markedFile(marker);
  const publicFile = randomBytes(FILE_BYTES);
  const pushed = randomBytes(2 * MiB);
  const peer = (name: string): LabPeer => peers.get(name)!;

  before(async () => {
    lab = await createLab({ hosts: 2, homes: 2, rateMbit: 100 });
    tapDir = await mkdtemp(join(tmpdir(), 'p2pd-tap-'));
    const [h1, h2] = lab.hosts;
    const [n1, n2] = lab.homes;
    const bootstrap = [`${h1!.ip}:50051`];
    peers.set(
      'h1',
      await startLabPeer(lab, h1!, {
        bootstrap: [],
        files: {},
        config: { relay: { enabled: true } },
        command: [
          'env',
          `P2PD_RELAY_TAP=${join(tapDir, 'relay.bin')}`,
          process.execPath,
          TAP_SCRIPT,
        ],
      }),
    );
    peers.set(
      'h2',
      await startLabPeer(lab, h2!, { bootstrap, files: { 'public-h2.bin': publicFile } }),
    );
    peers.set(
      'n1',
      await startLabPeer(lab, n1!, {
        bootstrap,
        files: { 'nat-n1.bin': natFile, 'relay-n1.bin': relayFile },
      }),
    );
    peers.set('n2', await startLabPeer(lab, n2!, { bootstrap, files: { 'push-src.bin': pushed } }));
    await peer('h1').start();
    await Promise.all(['h2', 'n1', 'n2'].map((n) => peer(n).start()));
  });

  // A failure here has been rare and unexplained (a search finding nothing once): keep what the daemons said.
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const [name, p] of peers) {
      for (const line of await p.logTail()) console.log(`      [${name} log] ${line}`);
    }
  });

  after(async () => {
    await Promise.allSettled([...peers.values()].map((p) => p.stop()));
    peers.clear();
    await lab?.destroy();
    if (tapDir) await rm(tapDir, { recursive: true, force: true });
    for (const f of figures) console.log(`      [figures] ${f}`);
  });

  it('each host learns whether it can be dialed', async () => {
    const started = Date.now();
    const want: Record<string, string> = {
      h1: 'reachable',
      h2: 'reachable',
      n1: 'unreachable',
      n2: 'unreachable',
    };
    const seen: Record<string, string> = {};
    await waitFor(
      async () => {
        for (const name of Object.keys(want)) {
          const s = await peer(name).api<ReachView>('/api/v1/status');
          seen[name] = `${s.reachability} via [${s.via.join(',')}]`;
        }
        return Object.entries(want).every(
          ([name, reach]) =>
            seen[name]!.startsWith(reach) && (reach === 'reachable' || !seen[name]!.endsWith('[]')),
        );
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'every host to know its reachability' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(seen)}`);
    });
    for (const name of Object.keys(want)) {
      const s = await peer(name).api<ReachView & { grpcAddress: string }>('/api/v1/status');
      figures.push(
        `${name}: ${s.reachability}${s.via.length ? ` via ${s.via.join(', ')}` : ''} (advertises ${s.grpcAddress})`,
      );
      for (const v of s.via) expect(v, `${name} via`).to.match(/^10\.213\.0\.[12]:50051$/);
    }
    figures.push(
      `reachability known everywhere ${Date.now() - started} ms after the daemons served`,
    );
  });

  /** One fetch of `sha256` on `who` through REST; undefined when it found no holder. */
  async function fetchOnce(
    who: LabPeer,
    sha256: string,
    sources?: string[],
  ): Promise<TransferView | undefined> {
    const { id } = await who.api<{ id: string }>('/api/v1/transfers', {
      method: 'POST',
      body: { sha256, ...(sources ? { sources } : {}) },
    });
    const v = await waitFor(
      async () => {
        const t = await who.api<TransferView>(`/api/v1/transfers/${id}`);
        return ['completed', 'failed', 'cancelled'].includes(t.state) ? t : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: `${who.host.name}'s fetch` },
    );
    if (v.state === 'completed') return v;
    if (v.state === 'failed' && v.error.startsWith('no peer on the network has')) return undefined;
    throw new Error(`${who.host.name}: fetch ${v.state}: ${v.error}`);
  }

  /**
   * Fetches `sha256` on `who`; the time it took, ms. A fetch that finds no
   * holder yet is asked again for a while, as the searches above wait for
   * their hits: the overlay's tables may still be settling (figures say).
   */
  async function fetchOn(who: LabPeer, sha256: string, sources?: string[]): Promise<number> {
    const started = Date.now();
    let attempts = 0;
    const t = await waitFor(
      () => {
        attempts++;
        return fetchOnce(who, sha256, sources);
      },
      { timeoutMs: 20_000, intervalMs: 300, what: `${who.host.name} to find a holder` },
    );
    if (attempts > 1) figures.push(`${who.host.name} found a holder at attempt ${attempts}`);
    const ms = Date.now() - started;
    expect(sha(await readFile(t.path)), `${who.host.name}'s copy`).to.equal(sha256);
    return ms;
  }

  it('the public hosts find the NATed peer’s file and fetch it (reverse connection); direct for comparison', async () => {
    const want = sha(natFile);
    for (const name of ['h1', 'h2']) {
      const hit = await waitFor(
        async () => (await peer(name).search('nat n1')).find((h) => h.peer.id === 'n1'),
        { timeoutMs: 20_000, intervalMs: 300, what: `${name} to find n1's file` },
      );
      expect((hit.peer as { reachability?: string }).reachability).to.equal('unreachable');
    }
    const direct = await fetchOn(peer('h1'), sha(publicFile));
    const reverse = await fetchOn(peer('h2'), want);
    figures.push(
      `fetch of 16 MiB over 100 Mbit/s links: direct h2→h1 ${direct} ms (${mbps(direct)} Mbit/s); ` +
        `reverse n1→h2 ${reverse} ms (${mbps(reverse)} Mbit/s)`,
    );
  });

  it('a push to the NATed peer lands', async () => {
    const n1View = (await peer('h2').api<{ peers: { id: string }[] }>('/api/v1/peers')).peers;
    const target = n1View.some((p) => p.id === 'n1') ? 'n1' : undefined;
    const to =
      target ??
      (
        await waitFor(
          async () => (await peer('n2').search('nat n1')).find((h) => h.peer.id === 'n1'),
          { timeoutMs: 20_000, intervalMs: 300, what: "n2 to find n1's file" },
        )
      ).peer.address;
    const started = Date.now();
    const push = await peer('h2').api<{ id: string }>('/api/v1/pushes', {
      method: 'POST',
      body: { name: 'public-h2.bin', peer: to },
    });
    await waitFor(
      async () => {
        const v = await peer('h2').api<TransferView>(`/api/v1/transfers/${push.id}`);
        if (v.state === 'failed') throw new Error(`push failed: ${v.error}`);
        return v.state === 'completed';
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the push to n1' },
    );
    const landed = join(peer('n1').sharedDir, 'incoming', 'public-h2.bin');
    expect(sha(await readFile(landed))).to.equal(sha(publicFile));
    figures.push(`push of 16 MiB h2→n1 (to ${to}): ${Date.now() - started} ms`);
  });

  it('two NATed peers exchange a file through the relay, which sees none of its bytes', async () => {
    const tap = join(tapDir, 'relay.bin');
    const before = await stat(tap).then(
      (s) => s.size,
      () => 0,
    );
    const relayed = await fetchOn(peer('n2'), sha(relayFile));
    const carried = (await readFile(tap)).subarray(before);
    let visible = 0;
    let samples = 0;
    for (let off = 4096; off + 64 <= relayFile.length; off += 64 * 1024) {
      samples++;
      if (carried.includes(relayFile.subarray(off, off + 64))) visible++;
    }
    figures.push(
      `relayed fetch of 16 MiB n1→h1→n2: ${relayed} ms (${mbps(relayed)} Mbit/s); the relay carried ` +
        `${carried.length} bytes, marker seen ${carried.includes(marker) ? 'YES' : '0 times'}, ` +
        `64-byte file samples visible: ${visible} of ${samples}`,
    );
    expect(carried.length, 'bytes through the relay').to.be.greaterThan(relayFile.length);
    expect(carried.includes(marker), 'marker in relayed bytes').to.equal(false);
    expect(visible).to.equal(0);
  });
});
