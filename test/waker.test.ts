import { expect } from 'chai';
import { Waker } from '../src/waker.js';
import { inOneTurn } from './fixtures/event-loop.js';

/** The batches a consumer sees that takes whatever has arrived each time it is woken. */
async function batchesSeen(count: number, wake: (w: Waker) => void): Promise<number[][]> {
  const waker = new Waker();
  const arrived: number[] = [];
  const batches: number[][] = [];
  const consumer = (async () => {
    while (batches.flat().length < count) {
      if (arrived.length === 0) {
        await waker.wait();
        continue;
      }
      batches.push(arrived.splice(0));
    }
  })();
  await inOneTurn(count, (i) => {
    arrived.push(i);
    wake(waker);
  });
  await consumer;
  return batches;
}

describe('Waker', () => {
  it('wake runs the consumer at once, for each item', async () => {
    expect(await batchesSeen(4, (w) => w.wake())).to.deep.equal([[0], [1], [2], [3]]);
  });

  it('wakeSoon runs it once the turn is over, for everything that came in it', async () => {
    expect(await batchesSeen(4, (w) => w.wakeSoon())).to.deep.equal([[0, 1, 2, 3]]);
  });

  it('drops a wake with nobody waiting; a later wait still waits', async () => {
    const waker = new Waker();
    waker.wakeSoon();
    await new Promise<void>((r) => setImmediate(r));
    expect(await waker.wait(20)).to.equal(false);
    const woken = waker.wait();
    waker.wakeSoon();
    expect(await woken).to.equal(true);
  });
});
