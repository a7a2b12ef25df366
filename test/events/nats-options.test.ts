// The NATS link settings: how long nats.js waits before it tries a server again.
import { expect } from 'chai';
import { reconnectBackoff } from '../../src/events/nats-options.js';

describe('reconnectBackoff', () => {
  it('starts short, doubles up to the configured wait, and starts short again after a quiet spell', () => {
    let now = 1_000_000;
    const next = reconnectBackoff(2000, () => now);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      waits.push(next());
      now += waits.at(-1)!;
    }
    expect(waits).to.deep.equal([100, 200, 400, 800, 1600, 2000, 2000]);
    now += 10_000; // connected for a while: the next outage starts short
    expect(next()).to.equal(100);
  });

  it('never waits longer than a configured wait below the first step', () => {
    const next = reconnectBackoff(50, () => 0);
    expect([next(), next()]).to.deep.equal([50, 50]);
  });
});
