// The AsyncAPI 3 document of the NATS side: one channel per event type on
// `p2p.<peerId>.<type>`, each message the envelope with that type's data. Built from
// the same schemas as the event types, so it cannot drift from what is published.
import { z } from 'zod';
import { PEER_ID_PATTERN } from '../config/schema.js';
import { EVENT_ID_PATTERN } from './bus.js';
import { EVENT_DATA, EVENT_TYPES, type EventType } from './types.js';

type Json = Record<string, unknown>;

export interface AsyncApiInfo {
  version: string;
  /** NATS server URLs this peer publishes to (credentials are left out); may be empty. */
  servers: readonly string[];
}

/** `download.progress` → `downloadProgress`: the id of its channel, message and operation. */
function idOf(type: EventType): string {
  return type.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
}

function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-7' }) as Json;
  delete out.$schema;
  return out;
}

function server(url: string): Json {
  const parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `nats://${url}`);
  return {
    host: parsed.host,
    protocol: parsed.protocol.replace(/:$/, ''),
    description: 'A NATS server from this peer’s nats.url',
  };
}

const ENVELOPE_DESCRIPTION =
  'Every event is one JSON envelope. `id` is unique across peers and sorts in emission ' +
  'order per peer; it is also the `Nats-Msg-Id` header, so JetStream stores a retried ' +
  'publish once. A live subscriber may still see an event twice after a retry or a ' +
  'failover: drop repeats by `id` (remembering the ids of the last few minutes is enough).';

export function buildAsyncApi(info: AsyncApiInfo): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  for (const type of EVENT_TYPES) {
    const id = idOf(type);
    const data = EVENT_DATA[type];
    messages[id] = {
      name: type,
      title: type,
      summary: data.description,
      contentType: 'application/json',
      headers: { $ref: '#/components/schemas/Headers' },
      payload: {
        type: 'object',
        required: ['id', 'type', 'time', 'peer', 'data'],
        additionalProperties: false,
        properties: {
          id: { $ref: '#/components/schemas/EventId' },
          type: { type: 'string', const: type },
          time: { type: 'string', format: 'date-time', description: 'When it was emitted' },
          peer: { $ref: '#/components/schemas/PeerId' },
          data: jsonSchema(data),
        },
      },
    };
    channels[id] = {
      address: `p2p.{peerId}.${type}`,
      title: type,
      description: data.description,
      parameters: { peerId: { $ref: '#/components/parameters/peerId' } },
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`send${id[0]!.toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      title: `Publish ${type}`,
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
    };
  }
  const servers = Object.fromEntries(info.servers.map((url, i) => [`nats${i + 1}`, server(url)]));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'p2pd events',
      version: info.version,
      description:
        'What a p2pd peer publishes on NATS: subscribe to `p2p.>` for every peer, ' +
        '`p2p.<peerId>.>` for one, `p2p.*.download.*` for one kind. Where JetStream is ' +
        'available the events are also kept in a stream (`nats.stream.name`, default ' +
        `P2P_EVENTS). ${ENVELOPE_DESCRIPTION} The same envelopes come from ` +
        '`GET /api/v1/events` (Server-Sent Events) and `ControlService.WatchEvents`.',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    ...(info.servers.length > 0 ? { servers } : {}),
    channels,
    operations,
    components: {
      parameters: {
        peerId: {
          description: `The emitting peer's id (its config \`id\`, ${PEER_ID_PATTERN.source})`,
        },
      },
      schemas: {
        EventId: {
          type: 'string',
          pattern: EVENT_ID_PATTERN.source,
          description:
            '`<ms since epoch, 13 digits>-<sequence, 6 digits>-<16 hex digits, random per ' +
            'daemon run>`. Unique across peers; string order is emission order per peer. ' +
            'Events queued by a daemon older than the random part keep their `<ms>-<seq>` id.',
        },
        PeerId: { type: 'string', pattern: PEER_ID_PATTERN.source },
        Headers: {
          type: 'object',
          properties: {
            'Nats-Msg-Id': {
              type: 'string',
              description: 'The envelope id: JetStream drops a message whose id it has seen',
            },
          },
        },
      },
      messages,
    },
  };
}
