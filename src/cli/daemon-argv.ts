// The daemon's own flags, read without yargs, so a daemon started as
// `p2pd --config peer1.json [flags]` never loads it: yargs' cliui builds an
// Intl.Segmenter at import, which maps ICU break-iterator data (~4 MiB RSS)
// the daemon would keep for its whole life. Whatever this does not take
// exactly (a command, --help, --version, an unknown or repeated flag, a port
// that is not digits, a stray word) returns undefined and goes through yargs
// as before, which also words every error.
import { parseArgs } from 'node:util';
import type { DaemonArgs } from './daemon-command.js';

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  'grpc-port': { type: 'string' },
  'rest-port': { type: 'string' },
  'shared-dir': { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  id: { type: 'string' },
} as const;

function port(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : null;
}

export function parseDaemonArgv(argv: readonly string[]): DaemonArgs | undefined {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, tokens: true });
  } catch {
    return undefined;
  }
  const { values, tokens } = parsed;
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    // yargs makes a repeated single flag an array; leave that case to it.
    if (token.name !== 'bootstrap' && seen.has(token.name)) return undefined;
    seen.add(token.name);
  }
  const grpcPort = port(values['grpc-port']);
  const restPort = port(values['rest-port']);
  if (values.config === undefined || grpcPort === null || restPort === null) return undefined;
  return {
    config: values.config,
    'grpc-port': grpcPort,
    'rest-port': restPort,
    'shared-dir': values['shared-dir'],
    bootstrap: values.bootstrap,
    id: values.id,
  };
}
