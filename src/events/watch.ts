// One filtered, bounded subscription to the bus, shared by the streaming
// facades (gRPC WatchEvents, SSE): replay from history, then live events.
import { InvalidArgumentError, UnavailableError } from '../errors.js';
import { Waker } from '../waker.js';
import { isEventId, matchesTypes, type EventBus } from './bus.js';
import { EVENT_TYPES, type EventEnvelope } from './types.js';

const MAX_FILTERS = 32;
const MAX_FILTER_LENGTH = 100;
const FILTER_TOKEN = /^([a-z]+|\*|>)$/;

/**
 * Validates type filters (`download.*`, `peer.>`, `file.added`); each entry may be a
 * comma-separated list. A filter that matches no known type is an error, so a typo
 * does not silently watch nothing.
 */
export function parseTypeFilters(input: string | readonly string[] | undefined): string[] {
  const raw = input === undefined ? [] : typeof input === 'string' ? [input] : input;
  const filters = raw
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (filters.length > MAX_FILTERS) {
    throw new InvalidArgumentError(`types: at most ${MAX_FILTERS} filters`);
  }
  for (const f of filters) {
    const tokens = f.split('.');
    const wellFormed =
      f.length <= MAX_FILTER_LENGTH &&
      tokens.every((t, i) => FILTER_TOKEN.test(t) && (t !== '>' || i === tokens.length - 1));
    if (!wellFormed) {
      throw new InvalidArgumentError(
        `types: "${f.slice(0, MAX_FILTER_LENGTH)}" is not a filter like "download.*", "peer.>" or "file.added"`,
      );
    }
    if (!EVENT_TYPES.some((type) => matchesTypes(type, [f]))) {
      throw new InvalidArgumentError(`types: "${f}" matches no event type`);
    }
  }
  return filters;
}

/** Checks a resume point (SSE Last-Event-ID, WatchEvents after_id); empty means none. */
export function parseAfterId(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!isEventId(value)) {
    throw new InvalidArgumentError(
      `${field} must be an event id like 1764000000000-000000-0123456789abcdef`,
    );
  }
  return value;
}

export interface WatchOptions {
  /** Filters from parseTypeFilters; empty means every type. */
  types?: readonly string[];
  /** Replay the history after this id first (SSE Last-Event-ID). */
  afterId?: string;
  /** Events a slow reader may fall behind before the watch fails (default 10000). */
  maxQueue?: number;
  /** Ends the watch (client gone). */
  signal?: AbortSignal;
  /** Called once subscribed: every event from now on will be seen. */
  onSubscribed?: () => void;
}

/**
 * Events in order, without gaps between the replay and the live part. Ends after
 * `daemon.stopping` (the daemon is going away) or on abort; throws UnavailableError
 * when the reader falls more than maxQueue events behind.
 */
export async function* watchEvents(
  bus: EventBus,
  options: WatchOptions = {},
): AsyncGenerator<EventEnvelope> {
  const { types = [], signal } = options;
  const maxQueue = options.maxQueue ?? 10_000;
  const queue: EventEnvelope[] = [];
  let overflow = false;
  const waker = new Waker();
  const notify = (): void => waker.wake();
  const unsubscribe = bus.subscribe((event) => {
    if (queue.length >= maxQueue) overflow = true;
    else queue.push(event);
    notify();
  });
  // Emission is synchronous, so nothing falls between subscribing and reading history.
  if (options.afterId !== undefined) queue.unshift(...bus.since(options.afterId));
  options.onSubscribed?.();
  signal?.addEventListener('abort', notify);
  try {
    for (;;) {
      if (signal?.aborted) return;
      if (overflow) {
        throw new UnavailableError(`event reader fell more than ${maxQueue} events behind`);
      }
      const event = queue.shift();
      if (!event) {
        await waker.wait();
        continue;
      }
      if (matchesTypes(event.type, types)) yield event;
      if (event.type === 'daemon.stopping') return;
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', notify);
  }
}
