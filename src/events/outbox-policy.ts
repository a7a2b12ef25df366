// What a full NATS outbox gives up first. A subscriber can rebuild chatty
// state (who is a neighbor, what was searched, how far a download got) from
// later events or a query; a file that appeared or a transfer that ended is
// said once. So events are dropped by tier, the lowest first and the oldest
// first within a tier; a higher tier loses events only when every lower one
// is empty. docs/events.md lists the same tiers for users.
import { EVENT_TYPES, type EventType } from './types.js';

/** Tiers, dropped first to last. Every event type is in exactly one. */
export const DROP_TIERS: readonly (readonly EventType[])[] = [
  ['download.progress'],
  [
    'peer.joined',
    'peer.left',
    'peer.failed',
    'reachability.changed',
    'search.served',
    'search.completed',
    'index.scanned',
  ],
  [
    'file.added',
    'file.changed',
    'file.removed',
    'download.started',
    'download.completed',
    'download.failed',
    'upload.received',
    'upload.sent',
    'limits.changed',
    'daemon.started',
    'daemon.stopping',
  ],
];

const TIER_OF = new Map<string, number>(
  DROP_TIERS.flatMap((types, tier) => types.map((type) => [type, tier] as const)),
);

/** The tier of a type: 0 is dropped first. */
export function dropTier(type: EventType): number {
  return TIER_OF.get(type) ?? DROP_TIERS.length - 1;
}

/** Every type is placed, once: checked by a test so a new type cannot be forgotten. */
export function unplacedTypes(): EventType[] {
  return EVENT_TYPES.filter((t) => !TIER_OF.has(t));
}

/**
 * Where a bound trims to once passed: 10% below it, so a flood pays for one
 * scan and one drop record per tenth of the bound, not per event.
 */
export function lowWater(bound: number): number {
  return bound - Math.floor(bound / 10);
}
