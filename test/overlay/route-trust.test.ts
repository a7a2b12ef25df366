// A neighbor's standing from the outcomes of the targeted copies sent to it:
// hits confirm, routes that keep yielding nothing are distrusted, and the
// record fades with its half-life so a distrusted neighbor is tested again.
import { expect } from 'chai';
import { RouteTrust, watchTargeted } from '../../src/overlay/route-trust.js';
import { holderId } from '../../src/overlay/holder-table.js';
import type { UncheckedHit } from '../../src/overlay/types.js';

const HALF_LIFE = 60_000;

describe('route trust', () => {
  it('confirms a neighbor whose routes bring hits despite an occasional miss', () => {
    const trust = new RouteTrust({ halfLifeMs: HALF_LIFE });
    expect(trust.standing('a', 0)).to.equal('unconfirmed');
    trust.report('a', true, 0);
    expect(trust.standing('a', 0)).to.equal('confirmed');
    for (let i = 0; i < 3; i++) trust.report('a', false, 0);
    trust.report('a', true, 0);
    expect(trust.standing('a', 0)).to.not.equal('distrusted');
  });

  it('distrusts routes that keep yielding nothing, and forgives once the record fades', () => {
    let changes = 0;
    const trust = new RouteTrust({ halfLifeMs: HALF_LIFE }, () => changes++);
    for (let i = 0; i < 3; i++) trust.report('liar', false, 0);
    expect(trust.standing('liar', 0)).to.equal('unconfirmed');
    trust.report('liar', false, 0);
    expect(trust.standing('liar', 0)).to.equal('distrusted');
    expect(changes).to.equal(1);
    expect(trust.standing('liar', 1.5 * HALF_LIFE)).to.equal('distrusted');
    expect(trust.standing('liar', 2.5 * HALF_LIFE)).to.equal('unconfirmed');
    expect(changes).to.equal(2);
    expect(trust.stats(['liar', 'nobody'], 2.5 * HALF_LIFE)).to.deep.equal({
      confirmed: 0,
      distrusted: 0,
    });
  });

  it('counts a hit from a named holder only, and says nothing of a forward cut short', async () => {
    const hit = (id: string): UncheckedHit => ({
      queryId: 'q',
      peer: { id, address: '127.0.0.1:1' },
      file: undefined,
      hops: 1,
    });
    async function* stream(...ids: string[]): AsyncGenerator<UncheckedHit> {
      for (const id of ids) yield hit(id);
    }
    const outcomes: boolean[] = [];
    const run = async (ids: string[], signal: AbortSignal, deadline: number): Promise<void> => {
      for await (const h of watchTargeted(
        stream(...ids),
        [holderId('holder')],
        deadline,
        signal,
        (found) => outcomes.push(found),
      )) {
        void h;
      }
    };
    const live = new AbortController().signal;
    await run(['other'], live, Date.now() + 1000);
    await run(['other', 'holder'], live, Date.now() + 1000);
    const cut = new AbortController();
    cut.abort();
    await run(['other'], cut.signal, Date.now() + 1000); // cut short: nothing said
    await run([], cut.signal, Date.now() - 1); // aborted at the deadline: a miss
    expect(outcomes).to.deep.equal([false, true, false]);
  });
});
