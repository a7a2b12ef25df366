import { expect } from 'chai';
import { Arrivals } from '../../src/grpc/arrivals.js';
import { inOneTurn } from '../fixtures/event-loop.js';

/** A stream that counts its pauses. */
function stream(): { pauses: number; pause(): void } {
  return {
    pauses: 0,
    pause() {
      this.pauses++;
    },
  };
}

/** A reader that takes everything queued each time it is woken, until `count` buffers: its batch sizes. */
async function read(arrivals: Arrivals, count: number): Promise<number[]> {
  const batches: number[] = [];
  let seen = 0;
  while (seen < count) {
    if (arrivals.length === 0) {
      await arrivals.waker.wait();
      continue;
    }
    const taken = arrivals.take();
    batches.push(taken.length);
    seen += taken.length;
  }
  return batches;
}

describe('Arrivals', () => {
  it('hands the buffers of one turn to a waiting reader together, at most 4 at a time', async () => {
    const few = new Arrivals(stream(), 16);
    const fewRead = read(few, 3);
    await inOneTurn(3, (i) => few.add(Buffer.from([i])));
    expect(await fewRead).to.deep.equal([3]);

    const s = stream();
    const many = new Arrivals(s, 16);
    const manyRead = read(many, 20);
    await inOneTurn(20, (i) => many.add(Buffer.from([i])));
    expect(await manyRead).to.deep.equal([4, 4, 4, 4, 4]);
    expect(s.pauses).to.equal(0);
  });

  it('keeps order and pauses the stream when the reader is busy', async () => {
    const s = stream();
    const arrivals = new Arrivals(s, 16);
    await inOneTurn(20, (i) => arrivals.add(Buffer.from([i])));
    expect(s.pauses).to.equal(5);
    expect(arrivals.take().map((b) => b[0])).to.deep.equal([...Array(20).keys()]);
    expect(arrivals.length).to.equal(0);
  });
});
