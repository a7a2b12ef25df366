// `p2pd events [--types download.*] [--after <id>] [--json]`: the daemon's events as
// they happen, one line each, over ControlService.WatchEvents.
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { parseAfterId, parseTypeFilters } from '../events/watch.js';
import type { Event__Output } from '../generated/p2p/v1/Event.js';
import { CliError, clientCommand } from './daemon-client.js';

/** The longest event type, `download.completed`: keeps the columns aligned. */
const TYPE_WIDTH = 18;
const SHA256 = /^[0-9a-f]{64}$/;

function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    if (SHA256.test(value)) return value.slice(0, 12);
    return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** `time  type  peer  key=value ...`, hashes cut to 12 characters. */
export function formatEvent(e: Event__Output): string {
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(e.dataJson) as Record<string, unknown>;
  } catch {
    // An unparsable payload still gets its line.
  }
  const fields = Object.entries(data)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
  return `${e.time}  ${e.type.padEnd(TYPE_WIDTH)}  ${e.peer}  ${fields}`.trimEnd();
}

/** The envelope as NATS and SSE carry it, on one line. */
export function eventJson(e: Event__Output): string {
  let data: unknown;
  try {
    data = JSON.parse(e.dataJson);
  } catch {
    data = e.dataJson;
  }
  return JSON.stringify({ id: e.id, type: e.type, time: e.time, peer: e.peer, data });
}

interface EventsArgs {
  types?: string[];
  after?: string;
  count?: number;
}

export const eventsCommand = clientCommand<EventsArgs>({
  command: 'events',
  describe: "Print the daemon's events as they happen (Ctrl-C to stop)",
  builder: (y) =>
    y
      .option('types', {
        alias: 't',
        type: 'string',
        array: true,
        describe:
          'Only these types: file.added, download.*, peer.> (repeatable or comma-separated)',
      })
      .option('after', {
        type: 'string',
        describe: 'First replay the events the daemon still holds after this event id',
      })
      .option('count', {
        type: 'number',
        describe: 'Exit after this many events',
      })
      .check((a) => {
        parseTypeFilters(a.types);
        parseAfterId(a.after, '--after');
        if (a.count !== undefined && !(Number.isInteger(a.count) && a.count >= 1)) {
          throw new Error('--count must be a positive integer');
        }
        return true;
      }),
  run: ({ control, metadata, address, args, print }) => {
    const types = parseTypeFilters(args.types);
    const call = control.WatchEvents({ types, afterId: args.after ?? '' }, metadata);
    return new Promise<void>((resolve, reject) => {
      let seen = 0;
      let leaving = false;
      // A watch has no end to put a deadline on; its start does.
      const ready = setTimeout(() => {
        finish(
          new CliError(
            `the daemon at ${address} did not start the stream within ${args.timeout} ms`,
          ),
        );
      }, args.timeout);
      const onSignal = (): void => finish();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      function finish(err?: unknown): void {
        clearTimeout(ready);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (!leaving) {
          leaving = true;
          call.cancel();
        }
        if (err) reject(err);
        else resolve();
      }
      call.on('metadata', () => clearTimeout(ready));
      call.on('data', (e: Event__Output) => {
        if (leaving) return;
        print(args.json ? eventJson(e) : formatEvent(e));
        if (args.count !== undefined && ++seen >= args.count) finish();
      });
      call.on('error', (err: ServiceError) => {
        if (leaving && err.code === GrpcStatus.CANCELLED) return;
        finish(err);
      });
      // The daemon stopped: it ends the stream after daemon.stopping.
      call.on('end', () => finish());
    });
  },
});
