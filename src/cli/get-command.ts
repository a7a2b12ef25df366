// `p2pd get <sha256|name> [--from host:port...]`: the daemon fetches a file
// from the network into its download folder; progress on stderr, where it
// landed on stdout. Ctrl-C cancels the fetch.
import { isValidHostPort } from '../config/schema.js';
import { deadline } from '../grpc/clients.js';
import { CliError, clientCommand } from './daemon-client.js';
import { humanSize } from './format.js';
import { followTransfer, sourceLines } from './transfer-progress.js';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** Default for --max-time: long transfers are fine, endless ones are not. */
export const TRANSFER_MAX_MS = 24 * 60 * 60 * 1000;

interface GetArgs {
  target: string;
  from?: string[];
  'max-time': number;
}

export const getCommand = clientCommand<GetArgs>({
  command: 'get <target>',
  describe: 'Fetch a file (by sha256, or by name through a network search) into the daemon',
  builder: (y) =>
    y
      .positional('target', {
        type: 'string',
        demandOption: true,
        describe: 'The sha256 of the file, or a name to search the network for',
      })
      .option('from', {
        type: 'string',
        array: true,
        describe: 'Address (host:port) of a peer that has the file; repeatable',
      })
      .option('max-time', {
        type: 'number',
        default: TRANSFER_MAX_MS,
        describe: 'Give up after this long, ms',
      })
      .check((a) => {
        for (const source of a.from ?? []) {
          if (!isValidHostPort(source))
            throw new Error(`--from must be host:port (got "${source}")`);
        }
        if (!(a['max-time'] > 0)) throw new Error('--max-time must be a positive number of ms');
        return true;
      }),
  run: async ({ control, metadata, args, print, printJson }) => {
    const bySha = SHA256_HEX.test(args.target);
    const call = control.Fetch(
      {
        ...(bySha ? { sha256: args.target.toLowerCase() } : { name: args.target }),
        sources: args.from ?? [],
      },
      metadata,
      { deadline: deadline(args['max-time']) },
    );
    const last = await followTransfer(call, {
      tty: process.stderr.isTTY === true && !args.json,
      write: (text) => process.stderr.write(text),
    });
    if (!last || last.state !== 'completed') {
      throw new CliError(`fetch ended ${last?.state ?? 'without a result'}: ${last?.error ?? ''}`);
    }
    if (args.json) return printJson(last);
    print(`fetched ${last.name} (${humanSize(last.size)}, sha256 ${last.sha256}) to ${last.path}`);
    for (const line of sourceLines(last)) print(line);
  },
});
