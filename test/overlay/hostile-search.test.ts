// A hostile client floods a victim with Search calls asking to be flooded
// on with the largest TTL: local policy decides (search.remoteFlood,
// search.maxTtl) and a per-sender token bucket refuses the excess, so what
// the victim forwards stays bounded. The same attack with the limits lifted
// is the yardstick.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import type { PeerServiceClient } from '../../src/generated/p2p/v1/PeerService.js';
import type { TestPeer } from '../fixtures/peers.js';
import { startNetPeer, stoppedAfterEach, waitForOverlay, waitForRoutes } from './network.js';

const QUERIES = 2000;
const IN_FLIGHT = 50;
const RATE = 20;
const BURST = 40;
const ROUTES_MS = 200;

interface Outcome {
  accepted: number;
  refused: number;
  other: number;
  elapsedSec: number;
}

/** Sends QUERIES flooded, max-TTL searches for a name nobody has; counts the answers. */
async function attack(client: PeerServiceClient): Promise<Outcome> {
  const outcome: Outcome = { accepted: 0, refused: 0, other: 0, elapsedSec: 0 };
  const started = performance.now();
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const call = client.Search(
        {
          queryId: randomUUID(),
          query: 'nowhere-to-be-found',
          ttl: 255,
          hops: 0,
          origin: { id: 'mallory', address: '127.0.0.1:9' },
          senderId: 'mallory',
          flood: true,
        },
        { deadline: deadline(2000) },
      );
      call.on('data', () => undefined);
      call.on('error', () => undefined);
      // The status comes once per call, whether it ended well or not.
      call.on('status', ({ code }: { code: number }) => {
        if (code === GrpcStatus.OK) outcome.accepted++;
        else if (code === GrpcStatus.RESOURCE_EXHAUSTED) outcome.refused++;
        else outcome.other++;
        resolve();
      });
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < QUERIES) await one();
    }),
  );
  outcome.elapsedSec = (performance.now() - started) / 1000;
  return outcome;
}

describe('overlay: hostile search flood', function () {
  this.timeout(60_000);
  const started = stoppedAfterEach();

  /** A victim with two neighbors; returns the victim and the neighbors. */
  async function mesh(search: Record<string, unknown>): Promise<TestPeer[]> {
    const config = { routesIntervalMs: ROUTES_MS, ...search };
    const victim = await startNetPeer({ search: config });
    started.peers.push(victim);
    for (let i = 0; i < 2; i++) {
      started.peers.push(await startNetPeer({ bootstrap: [victim.grpcAddress], search: config }));
    }
    await waitForOverlay([victim], 2);
    await waitForRoutes(started.peers, ROUTES_MS, 15_000);
    return started.peers.slice(0, 3);
  }

  async function run(search: Record<string, unknown>) {
    const [victim, ...neighbors] = await mesh(search);
    const served = (p: TestPeer): number => p.daemon.overlay.stats().received;
    const forwardedBefore = victim!.daemon.overlay.stats().forwarded;
    const neighborsBefore = neighbors.reduce((a, p) => a + served(p), 0);
    const client = strangerClient(victim!.grpcAddress);
    try {
      const outcome = await attack(client);
      const forwarded = victim!.daemon.overlay.stats().forwarded - forwardedBefore;
      const reached = neighbors.reduce((a, p) => a + served(p), 0) - neighborsBefore;
      return { ...outcome, forwarded, reached };
    } finally {
      client.close();
    }
  }

  it('refuses most of 2000 queries with RESOURCE_EXHAUSTED and forwards almost none', async () => {
    const r = await run({ ratePerSec: RATE, rateBurst: BURST });
    console.log(
      `      limited: ${r.accepted} accepted, ${r.refused} refused, ${r.other} other in ${r.elapsedSec.toFixed(1)} s; ` +
        `victim forwarded ${r.forwarded}, neighbors received ${r.reached}`,
    );
    expect(r.other).to.equal(0);
    expect(r.accepted).to.be.at.most(BURST + Math.ceil(RATE * r.elapsedSec) + 1);
    expect(r.refused).to.equal(QUERIES - r.accepted);
    // Not flooded: a name nobody has is pruned by the routing tables.
    expect(r.forwarded).to.be.at.most(r.accepted * 2);
    expect(r.forwarded).to.be.below(QUERIES / 10);
    expect(r.reached).to.be.below(QUERIES / 10);
  });

  it('yardstick: with remote flood honoured and no real limit every query goes to both neighbors', async () => {
    const r = await run({ remoteFlood: true, ratePerSec: 100_000, rateBurst: 100_000 });
    console.log(
      `      unlimited: ${r.accepted} accepted, ${r.refused} refused in ${r.elapsedSec.toFixed(1)} s; ` +
        `victim forwarded ${r.forwarded}, neighbors received ${r.reached}`,
    );
    expect(r.refused).to.equal(0);
    expect(r.forwarded).to.equal(QUERIES * 2);
  });
});
