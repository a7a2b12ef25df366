// ControlService.WatchEvents: the event bus as a server stream, one subscriber
// among NATS and SSE, with the same type filters.
import { Metadata, type ServerWritableStream } from '@grpc/grpc-js';
import type { Core } from '../core.js';
import { parseAfterId, parseTypeFilters, watchEvents } from '../events/watch.js';
import type { EventEnvelope } from '../events/types.js';
import type { Event } from '../generated/p2p/v1/Event.js';
import type { WatchEventsRequest__Output } from '../generated/p2p/v1/WatchEventsRequest.js';
import { writeWithBackpressure } from './handle.js';

export function toEventMessage(e: EventEnvelope): Event {
  return { id: e.id, type: e.type, time: e.time, peer: e.peer, dataJson: JSON.stringify(e.data) };
}

/**
 * Streams events (first what the history holds after `after_id`, when given) until the
 * client cancels or the daemon stops (then the stream ends OK). Response headers go out once subscribed, so a client knows from then on it
 * misses nothing.
 */
export async function watchEventsHandler(
  core: Core,
  req: WatchEventsRequest__Output,
  call: ServerWritableStream<WatchEventsRequest__Output, Event>,
): Promise<void> {
  const types = parseTypeFilters(req.types);
  const afterId = parseAfterId(req.afterId, 'after_id');
  const abort = new AbortController();
  const onGone = (): void => abort.abort();
  call.on('cancelled', onGone);
  call.on('close', onGone);
  try {
    const watch = watchEvents(core.events, {
      types,
      afterId,
      signal: abort.signal,
      onSubscribed: () => call.sendMetadata(new Metadata()),
    });
    for await (const event of watch) {
      await writeWithBackpressure(call, toEventMessage(event));
      if (call.cancelled) return;
    }
  } finally {
    call.off('cancelled', onGone);
    call.off('close', onGone);
  }
}
