// The NAT parts alone: the relay's limits (streams, bytes, who may attach a
// leg) and the Listen hub's one stream per key.
import { expect } from 'chai';
import type { Socket } from 'node:net';
import { pino } from 'pino';
import { Metrics } from '../../src/metrics.js';
import { ListenHub } from '../../src/nat/listen-hub.js';
import { Relay } from '../../src/nat/relay.js';
import { BandwidthLimiter } from '../../src/transfer/bandwidth/bandwidth-limiter.js';
import { socketPair } from '../fixtures/sockets.js';

const TOKEN_A = 'aa'.repeat(16);
const TOKEN_B = 'bb'.repeat(16);

const closed = (s: Socket): Promise<void> =>
  new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('NAT parts', () => {
  const logger = pino({ level: 'silent' });

  it('a relay refuses past maxStreams, takes legs only from the expected hosts, and cuts at maxBytesPerStream', async () => {
    const metrics = new Metrics();
    const relay = new Relay(
      { logger, metrics },
      { enabled: true, maxStreams: 1, maxBytesPerStream: 1000, maxSeconds: 60, pairMs: 5000 },
    );
    try {
      relay.open(TOKEN_A, '127.0.0.1', '127.0.0.1');
      expect(() => relay.open(TOKEN_B, '127.0.0.1', '127.0.0.1'))
        .to.throw()
        .with.property('name', 'TooManyRequestsError');
      const [aOut, aIn] = await socketPair();
      const [bOut, bIn] = await socketPair();
      expect(relay.attach('requester', TOKEN_B, aIn), 'unknown token').to.equal(false);
      expect(relay.attach('requester', TOKEN_A, aIn)).to.equal(true);
      expect(relay.attach('requester', TOKEN_A, aIn), 'a second requester leg').to.equal(false);
      expect(relay.attach('listener', TOKEN_A, bIn)).to.equal(true);
      aOut.write(Buffer.alloc(400, 1));
      const got = await new Promise<Buffer>((r) => bOut.once('data', r));
      expect(got.length).to.be.greaterThan(0);
      // Past the byte limit both legs are cut.
      aOut.write(Buffer.alloc(2000, 2));
      await Promise.all([closed(aOut), closed(bOut)]);
      const carried = [...metrics.relayBytes.values.values()][0]!.value;
      expect(carried).to.be.within(400, 2400);
    } finally {
      relay.close();
    }
  });

  it('a relay keeps to the bandwidth limits: relayed bytes wait as transfers do', async () => {
    const RATE = 1024 * 1024; // 1 MiB/s download limit on the relay
    const SIZE = 2 * RATE;
    const bandwidth = new BandwidthLimiter(
      {},
      { upload: 0, download: RATE, perPeerUpload: 0, perPeerDownload: 0 },
    );
    const relay = new Relay(
      {
        logger,
        metrics: new Metrics(),
        pace: (from, to, bytes) =>
          bandwidth.take('down', from.remoteAddress ?? '', bytes) ??
          bandwidth.take('up', to.remoteAddress ?? '', bytes),
      },
      { enabled: true, maxStreams: 1, maxBytesPerStream: 64 * RATE, maxSeconds: 60, pairMs: 5000 },
    );
    try {
      relay.open(TOKEN_A, '127.0.0.1', '127.0.0.1');
      const [aOut, aIn] = await socketPair();
      const [bOut, bIn] = await socketPair();
      relay.attach('requester', TOKEN_A, aIn);
      relay.attach('listener', TOKEN_A, bIn);
      const started = performance.now();
      let got = 0;
      const all = new Promise<void>((resolve) =>
        bOut.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= SIZE) resolve();
        }),
      );
      aOut.write(Buffer.alloc(SIZE, 7));
      await all;
      const seconds = (performance.now() - started) / 1000;
      const rate = SIZE / seconds / RATE;
      console.log(`      [figures] relayed 2 MiB under a 1 MiB/s limit: ${rate.toFixed(3)} MiB/s`);
      // The first burst (0.1 s at the rate) goes at once: 2 MiB take 1.9 s at least.
      expect(rate).to.be.within(0.9, 1.1);
      aOut.destroy();
      bOut.destroy();
    } finally {
      relay.close();
    }
  });

  it('a relay takes a leg only from the host its session expects', async () => {
    const relay = new Relay(
      { logger, metrics: new Metrics() },
      { enabled: true, maxStreams: 2, maxBytesPerStream: 1000, maxSeconds: 60, pairMs: 5000 },
    );
    try {
      relay.open(TOKEN_A, '10.9.9.9', '10.9.9.8');
      const [out, inn] = await socketPair();
      expect(relay.attach('requester', TOKEN_A, inn)).to.equal(false);
      expect(relay.attach('listener', TOKEN_A, inn)).to.equal(false);
      out.destroy();
      inn.destroy();
    } finally {
      relay.close();
    }
  });

  it('a relay that is off refuses and counts it', () => {
    const metrics = new Metrics();
    const relay = new Relay(
      { logger, metrics },
      { enabled: false, maxStreams: 4, maxBytesPerStream: 1000, maxSeconds: 60, pairMs: 5000 },
    );
    expect(() => relay.open(TOKEN_A, '127.0.0.1', '127.0.0.1'))
      .to.throw()
      .with.property('name', 'PermissionDeniedError');
    expect([...metrics.relayRefused.values.values()][0]!.labels).to.deep.equal({
      reason: 'disabled',
    });
  });

  it('the Listen hub keeps one stream per key (a new one ends the old) and a bounded number', () => {
    const hub = new ListenHub(2);
    const ended: string[] = [];
    const stream = (name: string) => ({
      host: '10.0.0.1',
      addresses: [],
      send: () => undefined,
      end: () => ended.push(name),
    });
    const closeFirst = hub.open('K1', stream('first'));
    hub.open('K1', stream('second'));
    expect(ended).to.deep.equal(['first']);
    closeFirst(); // the old call going away does not remove the new stream
    expect(hub.get('K1')).to.not.equal(undefined);
    hub.open('K2', stream('k2'));
    expect(() => hub.open('K3', stream('k3')))
      .to.throw()
      .with.property('name', 'TooManyRequestsError');
    expect(() => hub.open('', stream('none')))
      .to.throw()
      .with.property('name', 'PermissionDeniedError');
  });
});
