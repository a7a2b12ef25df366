// Churn: 15 peers, 5 of them real p2pd processes killed with SIGKILL (no
// Leave, no goodbye). The 10 in-process survivors must heal into one
// connected overlay with >= minPeers neighbors each, and find every file
// they hold.
import { expect } from 'chai';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import type { ListPeersResponse__Output } from '../../src/generated/p2p/v1/ListPeersResponse.js';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { spawnP2pd, waitIndexed, type RunningDaemon } from '../fixtures/spawn.js';
import {
  fastConfig,
  isConnected,
  neighborIds,
  recordEvents,
  startNetPeer,
  stopAll,
} from './network.js';

const OVERLAY = { minPeers: 3, maxPeers: 6 };
/** Every p2pd process this file spawned, so a failed test still kills them all. */
const spawned: RunningDaemon[] = [];

interface Victim {
  id: string;
  address: string;
  process: RunningDaemon;
  dir: string;
}

/** A real p2pd process with the same fast timers as the in-process peers. */
async function spawnVictim(id: string, bootstrap: string[]): Promise<Victim> {
  const dir = await mkdtemp(join(tmpdir(), 'p2pd-churn-'));
  await mkdir(join(dir, 'shared'));
  await writeFile(join(dir, 'shared', `churn-${id}.txt`), `held by ${id}`);
  const config = {
    id,
    sharedDir: join(dir, 'shared'),
    grpc: { host: '127.0.0.1', port: 0 },
    rest: { host: '127.0.0.1', port: 0 },
    bootstrap,
    log: { file: join(dir, 'p2pd.log'), level: 'info' },
    ...fastConfig(OVERLAY),
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const child = spawnP2pd(['--config', join(dir, 'config.json')]);
  // Killed by afterEach even when its start times out.
  spawned.push(child);
  const out = await child.waitForOutput(/started: gRPC \S+, REST \S+/, 60_000);
  const [, address, rest] = /started: gRPC (\S+), REST (\S+)/.exec(out)!;
  await waitIndexed(rest!);
  return { id, address: address!, process: child, dir };
}

function listPeers(address: string): Promise<string[]> {
  const client = createControlClient(address);
  return new Promise((resolve, reject) =>
    client.ListPeers({}, { deadline: deadline(5000) }, (err, res?: ListPeersResponse__Output) => {
      client.close();
      if (err) reject(err);
      else resolve(res!.peers.map((n) => n.peer!.id));
    }),
  );
}

describe('overlay churn', function () {
  this.timeout(180_000);
  let survivors: TestPeer[] = [];
  let victims: Victim[] = [];

  afterEach(async () => {
    for (const child of spawned) child.kill('SIGKILL');
    await Promise.all(spawned.splice(0).map((child) => child.exited));
    await Promise.all(victims.map((v) => rm(v.dir, { recursive: true, force: true })));
    await stopAll(survivors);
    survivors = [];
    victims = [];
  });

  it('heals within 10 s after 5 of 15 peers are killed, and search still finds every survivor file', async () => {
    const first = await startNetPeer({
      id: 's0',
      overlay: OVERLAY,
      files: { 'churn-s0.txt': 'held by s0' },
    });
    survivors.push(first);
    // The victims come early, so later peers lean on them.
    victims = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => spawnVictim(`v${i}`, [first.grpcAddress])),
    );
    const addresses = [first.grpcAddress, ...victims.map((v) => v.address)];
    for (let i = 1; i < 10; i++) {
      const bootstrap = [addresses[Math.floor(Math.random() * addresses.length)]!];
      const peer = await startNetPeer({
        id: `s${i}`,
        bootstrap,
        overlay: OVERLAY,
        files: { [`churn-s${i}.txt`]: `held by s${i}` },
      });
      survivors.push(peer);
      addresses.push(peer.grpcAddress);
    }
    // Formation is the setting, not what is measured (healing is): under a loaded
    // CI run it took longer than 20 s once, so it gets room, and a failure says who was short.
    let short = '';
    await waitFor(
      async () => {
        const counts: [string, number][] = survivors.map((p) => [
          p.daemon.config.id,
          p.daemon.overlay.neighborCount,
        ]);
        const describe = (): string =>
          counts
            .filter(([, n]) => n < OVERLAY.minPeers)
            .map(([id, n]) => `${id} has ${n}`)
            .join(', ');
        short = describe();
        if (short) return false;
        for (const v of victims) counts.push([v.id, (await listPeers(v.address)).length]);
        short = describe();
        return short === '';
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the 15-peer overlay to form' },
    ).catch((err: Error) => {
      throw new Error(`${err.message} (${short})`);
    });
    const victimIds = new Set(victims.map((v) => v.id));
    const cut = survivors.reduce(
      (sum, p) => sum + neighborIds(p).filter((id) => victimIds.has(id)).length,
      0,
    );
    expect(cut, 'links from survivors to victims').to.be.greaterThan(0);

    const rec = recordEvents(survivors, ['peer.failed', 'peer.left']);
    const killedAt = Date.now();
    for (const v of victims) v.process.kill('SIGKILL');
    await Promise.all(victims.map((v) => v.process.exited));
    const survivorIds = new Set(survivors.map((p) => p.daemon.config.id));
    await waitFor(
      () =>
        survivors.every(
          (p) =>
            p.daemon.overlay.neighborCount >= OVERLAY.minPeers &&
            neighborIds(p).every((id) => survivorIds.has(id)),
        ) && isConnected(survivors),
      { timeoutMs: 10_000, intervalMs: 50, what: 'the survivors to heal' },
    );
    const healMs = Date.now() - killedAt;
    rec.stop();
    const aboutVictims = rec.events.filter((e) =>
      victimIds.has((e.data as { peerId: string }).peerId),
    );
    const failed = aboutVictims.filter((e) => e.type === 'peer.failed');
    console.log(
      `      [figures] churn: ${cut} survivor links to the 5 killed peers; healed in ${healMs} ms ` +
        `(${failed.length} peer.failed events; ping every 250 ms, dropped after 3 misses)`,
    );
    expect(healMs).to.be.below(10_000);
    // The killed peers said no goodbye: each of their links was detected as a failure.
    // (Survivors may still rearrange among themselves, e.g. leave a peer that filled up.)
    expect(failed).to.have.length(cut);
    expect(aboutVictims).to.have.length(cut);

    const origin = survivors[Math.floor(Math.random() * survivors.length)]!;
    const result = await origin.daemon.overlay.collect('churn', { timeoutMs: 10_000 });
    expect(result.hits.map((h) => h.peer.id).sort()).to.deep.equal([...survivorIds].sort());
    expect(result.hits.map((h) => h.file.names[0]).sort()).to.deep.equal(
      [...survivorIds].map((id) => `churn-${id}.txt`).sort(),
    );
  });
});
