// A bootstrap peer that does not answer is explained: warned in the log with
// its address and reason, retried with backoff, and listed in status. A peer
// that leaves politely is no strike against its address.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostCache } from '../../src/overlay/host-cache.js';
import { pino } from 'pino';
import { freePort } from '../fixtures/ports.js';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { startNetPeer } from './network.js';

describe('bootstrap that explains itself', () => {
  let peer: TestPeer | undefined;
  afterEach(async () => {
    await peer?.stop();
    peer = undefined;
  });

  it('an unreachable bootstrap peer is warned about, retried with backoff and shown as failing', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    peer = await startNetPeer({ id: 'lonely', bootstrap: [dead], overlay: { dialBackoffMs: 100 } });
    const failing = await waitFor(
      () => {
        const b = peer!.daemon.status().bootstrap.find((x) => x.address === dead);
        return b && b.failures >= 2 ? b : undefined;
      },
      { timeoutMs: 10_000, what: 'two failed bootstrap dials' },
    );
    expect(failing.state).to.equal('failing');
    expect(failing.lastError).to.match(/unreachable/);
    const log = await waitFor(
      async () => {
        const text = await readFile(join(peer!.dir, 'p2pd.log'), 'utf8').catch(() => '');
        return text.includes(`bootstrap peer ${dead} failed`) ? text : '';
      },
      { timeoutMs: 5000, what: 'the warning in the log' },
    );
    const line = JSON.parse(log.split('\n').find((l) => l.includes(dead))!) as {
      level: number;
      address: string;
      reason: string;
      retryInMs: number;
    };
    expect(line.level).to.equal(40); // warn
    expect(line.address).to.equal(dead);
    expect(line.retryInMs).to.be.a('number');
  });

  it('a polite Leave clears the failures of an address and holds it only for dialBackoffMs', () => {
    const hosts = new HostCache(pino({ level: 'silent' }), {
      dataDir: '/nonexistent',
      maxEntries: 10,
      dialBackoffMs: 100,
      maxDialBackoffMs: 60_000,
    });
    hosts.succeeded('10.0.0.9:50051', 'p9');
    hosts.failed('10.0.0.9:50051', 'unreachable');
    hosts.failed('10.0.0.9:50051', 'unreachable');
    hosts.left('10.0.0.9:50051');
    const entry = hosts.get('10.0.0.9:50051')!;
    expect(entry.failures).to.equal(0);
    expect(entry.nextDialMs - Date.now()).to.be.at.most(100);
  });
});
