// `p2pd search <terms..>`: a network-wide search through the daemon, one
// table row per hit as it arrives (fixed-width columns, since the widths
// cannot wait for the last hit), then a summary line.
import type { ServiceError } from '@grpc/grpc-js';
import type { NetworkSearchHit__Output } from '../generated/p2p/v1/NetworkSearchHit.js';
import { deadline } from '../grpc/clients.js';
import { clientCommand } from './daemon-client.js';
import { humanSize } from './format.js';

interface Cell {
  width: number;
  align?: 'right';
}

const COLUMNS: [string, Cell][] = [
  ['SHA256', { width: 12 }],
  ['SIZE', { width: 10, align: 'right' }],
  ['HOPS', { width: 4, align: 'right' }],
  ['LATENCY', { width: 8, align: 'right' }],
  ['PEER', { width: 12 }],
  ['ADDRESS', { width: 21 }],
  ['NAME', { width: 0 }],
];

function row(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const { width, align } = COLUMNS[i]![1];
      return align === 'right' ? cell.padStart(width) : cell.padEnd(width);
    })
    .join('  ')
    .trimEnd();
}

export const searchHeader = (): string => row(COLUMNS.map(([title]) => title));

export function formatHit(h: NetworkSearchHit__Output): string {
  const names = h.file?.names ?? [];
  return row([
    (h.file?.sha256 ?? '').slice(0, 12),
    humanSize(h.file?.size ?? 0),
    String(h.hops),
    `${h.latencyMs} ms`,
    h.peer?.id ?? '',
    h.peer?.address ?? '',
    (names[0] ?? '') + (names.length > 1 ? ` (+${names.length - 1} more)` : ''),
  ]);
}

export function searchSummary(hits: number, peers: number, elapsedMs: number): string {
  if (hits === 0) return `no hits (searched for ${elapsedMs} ms)`;
  return `${hits} hit${hits === 1 ? '' : 's'} from ${peers} peer${peers === 1 ? '' : 's'} in ${elapsedMs} ms`;
}

interface SearchArgs {
  terms: string[];
  ttl?: number;
  wait?: number;
}

/** Guard for the call when --wait is not given: the daemon's longest search timeout. */
const MAX_WAIT_MS = 30_000;

export const searchCommand = clientCommand<SearchArgs>({
  command: 'search <terms..>',
  describe:
    'Search the whole network for files whose names match every term; hits print as they arrive',
  builder: (y) =>
    y
      .positional('terms', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Keywords; a file matches when every keyword prefixes a word of its name',
      })
      .option('ttl', {
        type: 'number',
        describe: "Hops the query travels (default: the daemon's, 7)",
      })
      .option('wait', {
        type: 'number',
        describe: "How long the search collects hits, ms (default: the daemon's, 3000)",
      })
      .check((a) => {
        if (a.ttl !== undefined && !(Number.isInteger(a.ttl) && a.ttl >= 1)) {
          throw new Error('--ttl must be a positive integer');
        }
        if (a.wait !== undefined && !(Number.isInteger(a.wait) && a.wait >= 1)) {
          throw new Error('--wait must be a positive number of milliseconds');
        }
        return true;
      }),
  run: async ({ control, metadata, args, print }) => {
    const started = Date.now();
    const peers = new Set<string>();
    let hits = 0;
    // The header comes with the first hit: with none, the summary says so alone.
    let headed = args.json;
    const call = control.Search(
      {
        query: args.terms.join(' '),
        // On the wire 0 means the daemon's default; above uint32 it could not tell.
        ttl: Math.min(args.ttl ?? 0, 0xffffffff),
        timeoutMs: Math.min(args.wait ?? 0, 0xffffffff),
      },
      metadata,
      { deadline: deadline((args.wait ?? MAX_WAIT_MS) + args.timeout) },
    );
    await new Promise<void>((resolve, reject) => {
      call.on('data', (hit: NetworkSearchHit__Output) => {
        hits++;
        peers.add(hit.peer?.id ?? '');
        if (!headed) print(searchHeader());
        headed = true;
        print(args.json ? JSON.stringify(hit) : formatHit(hit));
      });
      call.on('error', (err: ServiceError) => reject(err));
      call.on('end', () => resolve());
    });
    if (!args.json) print(searchSummary(hits, peers.size, Date.now() - started));
  },
});
