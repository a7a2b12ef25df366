// Holder claims are checked against what they bring. A neighbor's GetRoutes
// can say "holder X is 0 hops behind me" for any X, and the shortest claim
// wins every copy of a query for X: a peer that lies and then answers
// nothing is a black hole. So each neighbor earns a standing from the
// targeted copies sent to it (did a hit from a targeted holder come back?),
// counted with exponential decay so old history fades:
// - unconfirmed (new, or too few recent hits): this peer's own queries also
//   take the second-best path, so a lie costs them nothing while it is tested;
// - confirmed (its routes recently found holders): its shortest claims are
//   followed alone, as before;
// - distrusted (routes that keep yielding nothing): its holder claims are
//   ignored (left out of routing and of the lists this peer hands on) until
//   the record has decayed, then it is tested again.
import { holderId } from './holder-table.js';
import type { UncheckedHit } from './types.js';

export type Standing = 'unconfirmed' | 'confirmed' | 'distrusted';

export interface RouteTrustInit {
  /** Time for a neighbor's counts to lose half their weight, ms. */
  halfLifeMs: number;
}

interface TrustRecord {
  sent: number;
  hits: number;
  atMs: number;
  distrusted: boolean;
}

/** Targeted copies judged (decayed) before a neighbor can be distrusted. */
const MIN_SAMPLES = 4;
/**
 * Below this share of judged copies with a hit, a neighbor is distrusted:
 * routes that yield (almost) nothing, not an honest path's occasional miss.
 */
const DISTRUST_BELOW = 0.1;
/** At or above this share (and one recent hit) a neighbor's claims are confirmed. */
const CONFIRM_AT = 0.5;
/** Records kept; neighbors that left are kept too, so leaving and rejoining does not reset one. */
const MAX_RECORDS = 1024;

export interface TrustStats {
  confirmed: number;
  distrusted: number;
}

export class RouteTrust {
  private readonly records = new Map<string, TrustRecord>();

  constructor(
    private readonly init: RouteTrustInit,
    /** Called when a neighbor becomes distrusted or stops being so. */
    private readonly onDistrustChange: () => void = () => undefined,
  ) {}

  standing(id: string, now = Date.now()): Standing {
    const r = this.decayed(id, now);
    if (!r) return 'unconfirmed';
    if (r.distrusted) return 'distrusted';
    return r.hits >= 1 && r.hits >= CONFIRM_AT * r.sent ? 'confirmed' : 'unconfirmed';
  }

  /** The outcome of one targeted copy sent to `id`: whether a targeted holder answered. */
  report(id: string, found: boolean, now = Date.now()): void {
    const r = this.decayed(id, now) ?? { sent: 0, hits: 0, atMs: now, distrusted: false };
    r.sent++;
    if (found) r.hits++;
    this.records.delete(id); // re-inserted last: the map's order is least recently used first
    this.records.set(id, r);
    if (this.records.size > MAX_RECORDS) {
      this.records.delete(this.records.keys().next().value!);
    }
    const distrust = r.sent >= MIN_SAMPLES && r.hits < DISTRUST_BELOW * r.sent;
    if (distrust !== r.distrusted && (distrust || found)) {
      r.distrusted = distrust;
      this.onDistrustChange();
    }
  }

  stats(ids: Iterable<string>, now = Date.now()): TrustStats {
    const out: TrustStats = { confirmed: 0, distrusted: 0 };
    for (const id of ids) {
      const s = this.standing(id, now);
      if (s !== 'unconfirmed') out[s]++;
    }
    return out;
  }

  /** The record aged to `now`; a distrusted one is forgiven once its copies have faded. */
  private decayed(id: string, now: number): TrustRecord | undefined {
    const r = this.records.get(id);
    if (!r) return undefined;
    const factor = 0.5 ** (Math.max(0, now - r.atMs) / this.init.halfLifeMs);
    r.sent *= factor;
    r.hits *= factor;
    r.atMs = now;
    if (r.distrusted && r.sent < 1) {
      r.distrusted = false;
      this.onDistrustChange();
    }
    return r;
  }
}

/**
 * Passes a targeted forward's hits through and reports whether one came from
 * a holder the copy named: a confirmation. A forward that ran to its end or
 * to `deadline` (epoch ms) without one is a miss, even when another path
 * found the holder first (a holder answers only the first copy, so an honest
 * second path loses such races too; distrust needs a path that almost never
 * wins). A forward aborted earlier (enough hits, the caller gone) says nothing.
 */
export async function* watchTargeted(
  hits: AsyncIterable<UncheckedHit>,
  targets: readonly number[],
  deadline: number,
  signal: AbortSignal,
  report: (found: boolean) => void,
): AsyncGenerator<UncheckedHit> {
  const wanted = new Set(targets);
  let found = false;
  try {
    for await (const hit of hits) {
      const id = hit.peer?.id;
      if (!found && typeof id === 'string' && wanted.has(holderId(id))) found = true;
      yield hit;
    }
  } finally {
    // The merge aborts at its deadline too; a few ms of timer slack still count as the deadline.
    if (found || !signal.aborted || Date.now() >= deadline - 5) report(found);
  }
}
