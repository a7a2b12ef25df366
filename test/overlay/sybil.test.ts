// The Sybil half of issue 14's eclipse: 8 peers from one IP address join a
// victim that has 2 honest neighbors. With overlay.maxNeighborsPerHost (2)
// only 2 of them get in, the rest are refused with the reason, honest peers
// from other hosts still find free slots, and peer exchange hands on no more
// than 2 addresses of that host however many it has seen. The yardstick,
// the cap lifted, shows the slots taken. Joins are driven by hand through the
// overlay with a non-loopback caller host (loopback hosts are exempt, and a
// test process cannot make a gRPC call from another address); the honest
// neighbors are real daemons.
import { expect } from 'chai';
import { PROTOCOL_VERSION } from '../../src/grpc/proto.js';
import { splitHostPort } from '../../src/net/addresses.js';
import type { TestPeer } from '../fixtures/peers.js';
import { ephemeralIdentity } from '../../src/identity/peer-identity.js';
import { neighborIds, startNetPeer, stoppedAfterEach, waitForOverlay } from './network.js';

/** A Join's caller: a host, and a key of its own (Sybils mint keys for free). */
const caller = (host: string): { host: string; fingerprint: string } => ({
  host,
  fingerprint: ephemeralIdentity().fingerprint,
});

const SYBIL_HOST = '198.51.100.66';
const SYBILS = 8;
const MAX_PEERS = 8;
/** Long pings: the unreachable Sybils stay neighbors for the whole test. */
const OVERLAY = {
  minPeers: 2,
  maxPeers: MAX_PEERS,
  exploreIntervalMs: 0,
  pingIntervalMs: 10_000,
  pingTimeoutMs: 5000,
};

interface Figures {
  accepted: number;
  refusals: string[];
  sybilNeighbors: number;
  honestKept: boolean;
  /** Of 2 honest peers from other hosts joining after the attack. */
  lateHonestAccepted: number;
  /** Addresses of the Sybil host in one GetPeers answer after 4 rounds of Sybils. */
  sybilAddressesShared: number;
}

function peer(id: string, host: string, port: number) {
  return {
    id,
    address: `${host}:${port}`,
    protocolVersion: PROTOCOL_VERSION,
    version: 'sybil',
  };
}

describe('overlay: Sybils from one host', function () {
  this.timeout(30_000);
  const started = stoppedAfterEach();

  async function attack(maxNeighborsPerHost: number): Promise<Figures> {
    const overlay = { ...OVERLAY, maxNeighborsPerHost };
    const victim: TestPeer = await startNetPeer({ id: 'victim', overlay });
    started.peers.push(victim);
    for (const id of ['honest-1', 'honest-2']) {
      started.peers.push(await startNetPeer({ id, bootstrap: [victim.grpcAddress], overlay }));
    }
    await waitForOverlay(started.peers, 1);
    const o = victim.daemon.overlay;
    const refusals: string[] = [];
    let accepted = 0;
    for (let i = 0; i < SYBILS; i++) {
      const reply = o.handleJoin(peer(`sybil-${i}`, SYBIL_HOST, 4000 + i), caller(SYBIL_HOST));
      if (reply.accepted) accepted++;
      else refusals.push(reply.reason);
    }
    const ids = neighborIds(victim);
    const sybilNeighbors = ids.filter((id) => id.startsWith('sybil-')).length;
    const honestKept = ids.includes('honest-1') && ids.includes('honest-2');
    let lateHonestAccepted = 0;
    for (const i of [1, 2]) {
      const host = `203.0.113.${i}`;
      if (o.handleJoin(peer(`far-${i}`, host, 5000), caller(host)).accepted) lateHonestAccepted++;
    }
    // Sybils that come and go leave their addresses behind in the host cache.
    for (let round = 1; round < 4; round++) {
      for (const n of o.neighbors().filter((v) => v.peer.id.startsWith('sybil-'))) {
        o.handleLeave(n.peer.id, { host: SYBIL_HOST, fingerprint: n.peer.fingerprint ?? '' });
      }
      for (let i = 0; i < 2; i++) {
        const port = 4000 + round * 100 + i;
        o.handleJoin(peer(`sybil-${round}-${i}`, SYBIL_HOST, port), caller(SYBIL_HOST));
      }
    }
    const shared = o.handleGetPeers('', 100, { host: '192.0.2.200' });
    const sybilAddressesShared = shared.filter(
      (p) => splitHostPort(p.address).host === SYBIL_HOST,
    ).length;
    return {
      accepted,
      refusals,
      sybilNeighbors,
      honestKept,
      lateHonestAccepted,
      sybilAddressesShared,
    };
  }

  function print(label: string, f: Figures): void {
    console.log(
      `      [figures] Sybils, ${label}: ${f.accepted}/${SYBILS} joins from ${SYBIL_HOST} accepted, ` +
        `${f.sybilNeighbors} of the victim's neighbors from that host, honest kept ${f.honestKept}, ` +
        `late honest joins accepted ${f.lateHonestAccepted}/2, ` +
        `${f.sybilAddressesShared} of that host's addresses handed on in GetPeers`,
    );
  }

  it('yardstick: with the cap lifted, the Sybils take every free slot', async () => {
    const f = await attack(256);
    print('no cap', f);
    expect(f.accepted).to.equal(MAX_PEERS - 2);
    expect(f.lateHonestAccepted).to.equal(0);
    expect(f.sybilAddressesShared).to.be.above(2);
  });

  it('at most 2 neighbors and 2 handed-on addresses per host; refusals say why', async () => {
    const f = await attack(2);
    print('maxNeighborsPerHost 2', f);
    expect(f.accepted).to.equal(2);
    expect(f.sybilNeighbors).to.equal(2);
    expect(f.refusals).to.have.length(SYBILS - 2);
    for (const reason of f.refusals) {
      expect(reason).to.match(/already 2 neighbors from host 198\.51\.100\.66/);
    }
    expect(f.honestKept).to.equal(true);
    expect(f.lateHonestAccepted).to.equal(2);
    expect(f.sybilAddressesShared).to.be.at.most(2);
  });
});
