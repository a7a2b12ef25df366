// `p2pd files [query..]`: the daemon's shared files, as a table.
import type { ListFilesResponse__Output } from '../generated/p2p/v1/ListFilesResponse.js';
import { unaryCall } from '../grpc/clients.js';
import { clientCommand } from './daemon-client.js';
import { humanSize, table } from './format.js';

const MAX_PAGE = 1000;

export function formatFiles(res: ListFilesResponse__Output, offset: number): string {
  if (res.files.length === 0) {
    return res.total === 0 ? 'no files' : `no files past offset ${offset} (${res.total} in all)`;
  }
  const rows = table(res.files, [
    {
      title: 'NAME',
      value: (f) => f.names[0]! + (f.names.length > 1 ? ` (+${f.names.length - 1} more)` : ''),
    },
    { title: 'SIZE', value: (f) => humanSize(f.size), align: 'right' },
    { title: 'SHA256', value: (f) => f.sha256.slice(0, 12) },
  ]);
  const first = offset + 1;
  const last = offset + res.files.length;
  return `${rows}\n${first}-${last} of ${res.total} file${res.total === 1 ? '' : 's'}`;
}

interface FilesArgs {
  query?: string[];
  limit?: number;
  offset: number;
}

export const filesCommand = clientCommand<FilesArgs>({
  command: 'files [query..]',
  describe: "List the daemon's shared files, optionally matching keywords",
  builder: (y) =>
    y
      .positional('query', {
        type: 'string',
        array: true,
        describe: 'Keywords; a file matches when every keyword prefixes a word of its name',
      })
      .option('limit', {
        alias: 'n',
        type: 'number',
        describe: `Files per page (default 50, at most ${MAX_PAGE})`,
      })
      .option('offset', { type: 'number', default: 0, describe: 'Matches to skip (paging)' })
      .check((a) => {
        if (a.limit !== undefined && !(Number.isInteger(a.limit) && a.limit >= 1)) {
          throw new Error(`--limit must be an integer from 1 to ${MAX_PAGE}`);
        }
        if (!(Number.isInteger(a.offset) && a.offset >= 0 && a.offset <= 0xffffffff)) {
          throw new Error('--offset must be a non-negative integer');
        }
        return true;
      }),
  run: async ({ control, metadata, callOptions, args, print, printJson }) => {
    const res = await unaryCall<ListFilesResponse__Output>((cb) =>
      control.ListFiles(
        {
          query: (args.query ?? []).join(' '),
          // Above the wire's uint32 the daemon could not tell it from a small number.
          limit: Math.min(args.limit ?? 0, 0xffffffff),
          offset: args.offset,
        },
        metadata,
        callOptions(),
        cb,
      ),
    );
    if (args.json) printJson(res);
    else print(formatFiles(res, args.offset));
  },
});
