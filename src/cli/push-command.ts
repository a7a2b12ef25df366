// `p2pd push <file|sha256|name> --to <peer>`: the daemon uploads one of its
// shared files to another peer. A local path must lie in the daemon's share.
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { StatusResponse__Output } from '../generated/p2p/v1/StatusResponse.js';
import { deadline, unaryCall } from '../grpc/clients.js';
import { TRANSFER_MAX_MS } from './get-command.js';
import { CliError, EXIT, clientCommand } from './daemon-client.js';
import { humanSize } from './format.js';
import { followTransfer } from './transfer-progress.js';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

interface PushArgs {
  file: string;
  to: string;
  'max-time': number;
}

/** The share-relative name of a local path, or a CliError when it is outside the share. */
export function nameInShare(path: string, sharedDir: string): string {
  const real = realpathSync(resolve(path));
  const rel = relative(realpathSync(sharedDir), real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new CliError(
      `${path} is not in the daemon's shared folder (${sharedDir}); copy it there first`,
      EXIT.usage,
    );
  }
  return rel.split(sep).join('/');
}

export const pushCommand = clientCommand<PushArgs>({
  command: 'push <file>',
  describe: "Upload one of the daemon's shared files to another peer",
  builder: (y) =>
    y
      .positional('file', {
        type: 'string',
        demandOption: true,
        describe: "A path in the daemon's shared folder, a name in it, or a sha256",
      })
      .option('to', {
        type: 'string',
        demandOption: true,
        describe: 'The peer to push to: host:port, or a neighbor id',
      })
      .option('max-time', {
        type: 'number',
        default: TRANSFER_MAX_MS,
        describe: 'Give up after this long, ms',
      })
      .check((a) => {
        if (!(a['max-time'] > 0)) throw new Error('--max-time must be a positive number of ms');
        return true;
      }),
  run: async ({ control, metadata, callOptions, args, print, printJson }) => {
    let file: { sha256: string } | { name: string };
    if (SHA256_HEX.test(args.file)) {
      file = { sha256: args.file.toLowerCase() };
    } else if (existsSync(args.file)) {
      const status = await unaryCall<StatusResponse__Output>((cb) =>
        control.Status({}, metadata, callOptions(), cb),
      );
      file = { name: nameInShare(args.file, status.sharedDir) };
    } else {
      file = { name: args.file };
    }
    const call = control.Push({ ...file, peer: args.to }, metadata, {
      deadline: deadline(args['max-time']),
    });
    const last = await followTransfer(call, {
      tty: process.stderr.isTTY === true && !args.json,
      write: (text) => process.stderr.write(text),
    });
    if (!last || last.state !== 'completed') {
      throw new CliError(`push ended ${last?.state ?? 'without a result'}: ${last?.error ?? ''}`);
    }
    if (args.json) return printJson(last);
    print(`pushed ${last.name} (${humanSize(last.size)}) to ${last.peer}, stored as ${last.path}`);
  },
});
