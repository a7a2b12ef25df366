// The token bucket behind the per-neighbor search limit, on a hand-driven clock.
import { expect } from 'chai';
import { RateLimiter } from '../../src/overlay/rate-limiter.js';

describe('overlay: rate limiter', () => {
  it('allows the burst, then the rate, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 20, burst: 40 }, 16, () => now);
    const take = (key: string, n: number): number =>
      Array.from({ length: n }, () => limiter.take(key)).filter(Boolean).length;
    expect(take('a', 100)).to.equal(40);
    expect(take('b', 5), 'another key has its own bucket').to.equal(5);
    now += 1000;
    expect(take('a', 100)).to.equal(20);
    now += 60_000;
    expect(take('a', 100), 'a quiet spell refills to the burst, no more').to.equal(40);
  });

  it('keeps buckets for a bounded number of keys, forgetting the least recent', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, 2, () => 0);
    expect(limiter.take('a')).to.equal(true);
    expect(limiter.take('a')).to.equal(false);
    limiter.take('b');
    limiter.take('c'); // 'a' is forgotten
    expect(limiter.take('a')).to.equal(true);
  });
});
