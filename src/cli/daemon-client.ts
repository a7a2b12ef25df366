// The plumbing every client command shares: which daemon to talk to
// (--addr or --config), a ControlService client with a deadline on every call,
// and one clear line on stderr plus a non-zero exit for every failure.
import {
  Metadata,
  logVerbosity,
  setLogVerbosity,
  status as GrpcStatus,
  type CallOptions,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Argv, CommandModule } from 'yargs';
import { loadConfigFile } from '../config/load.js';
import { isValidHostPort } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { ControlServiceClient } from '../generated/p2p/v1/ControlService.js';
import { createControlClient, deadline } from '../grpc/clients.js';
import { connectionReason } from '../grpc/wire-errors.js';

export const DEFAULT_ADDRESS = '127.0.0.1:50051';
const DEFAULT_TIMEOUT_MS = 5000;

/** Exit codes of client commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface DaemonFlags {
  addr?: string;
  config?: string;
  token?: string;
  timeout: number;
  json: boolean;
}

/** What a client command's `run` gets. */
export interface ClientContext<A> {
  args: A & DaemonFlags;
  /** host:port of the daemon. */
  address: string;
  control: ControlServiceClient;
  /** Call metadata (the bearer token, when there is one). */
  metadata: Metadata;
  /** Options for one call: a fresh deadline of --timeout ms. */
  callOptions(): CallOptions;
  /** Prints a line (or several) to stdout. */
  print(text: string): void;
  /** Prints a value as indented JSON to stdout. */
  printJson(value: unknown): void;
}

/** A refusal from the CLI itself (bad flags, unusable config): message and exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Adds --addr, --config, --token, --timeout and --json to a command. */
export function withDaemonFlags<T>(y: Argv<T>): Argv<T & DaemonFlags> {
  return y
    .option('addr', {
      alias: 'a',
      type: 'string',
      describe: `gRPC address of the daemon, host:port (default ${DEFAULT_ADDRESS})`,
    })
    .option('config', {
      alias: 'c',
      type: 'string',
      describe: "Read the daemon's address (grpc.host, grpc.port) and grpc.token from its config",
    })
    .option('token', {
      type: 'string',
      describe: 'Bearer token for a daemon on another host (grpc.token); default from --config',
    })
    .option('timeout', {
      type: 'number',
      default: DEFAULT_TIMEOUT_MS,
      describe: 'Deadline of each call, ms',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the raw response as JSON' })
    .check((a) => {
      if (a.addr !== undefined && !isValidHostPort(a.addr)) {
        throw new Error(`--addr must be host:port (got "${a.addr}")`);
      }
      if (!Number.isFinite(a.timeout) || a.timeout <= 0) {
        throw new Error('--timeout must be a positive number of milliseconds');
      }
      return true;
    }) as unknown as Argv<T & DaemonFlags>;
}

/** The daemon's address and token from the flags: --addr wins, then --config, then the default. */
export function daemonTarget(args: DaemonFlags): { address: string; token?: string } {
  let address = args.addr;
  let token = args.token;
  if (args.config !== undefined) {
    let config;
    try {
      config = loadConfigFile(args.config, {}, { prepareFolders: false });
    } catch (err) {
      if (err instanceof ConfigError)
        throw new CliError(`config error: ${err.message}`, EXIT.usage);
      throw err;
    }
    if (address === undefined) {
      const { host, port } = config.grpc;
      if (port === 0) {
        throw new CliError(
          `${args.config}: grpc.port is 0 (a random port); pass the daemon's address with --addr`,
          EXIT.usage,
        );
      }
      // A daemon listening on every interface is reached on loopback.
      const dial = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      address = `${dial.includes(':') ? `[${dial}]` : dial}:${port}`;
    }
    token ??= config.grpc.token;
  }
  return { address: address ?? DEFAULT_ADDRESS, ...(token ? { token } : {}) };
}

/** One line saying what went wrong with a call to the daemon at `address`. */
export function describeCallError(err: unknown, address: string, timeoutMs: number): string {
  const e = err as Partial<ServiceError>;
  if (typeof e.code !== 'number') return (err as Error).message ?? String(err);
  // Errors the daemon itself sent carry its error name; the rest come from the transport.
  const fromDaemon = (e.metadata?.get('p2p-error').length ?? 0) > 0;
  if (!fromDaemon && e.code === GrpcStatus.UNAVAILABLE) {
    const reason = connectionReason(e.details ?? '');
    if (/protocol error|HTTP status|http2/i.test(reason)) {
      // Most often the REST port given where the gRPC one (grpc.port) belongs.
      return `something answers at ${address}, but not gRPC (is that the REST port? use the daemon's grpc.port)`;
    }
    return `cannot reach the daemon at ${address} (is it running?)`;
  }
  if (!fromDaemon && e.code === GrpcStatus.DEADLINE_EXCEEDED) {
    return `the daemon at ${address} did not answer within ${timeoutMs} ms`;
  }
  const details = e.details || e.message || 'failed';
  return `${details} (${GrpcStatus[e.code] ?? e.code})`;
}

/** A yargs command that talks to the daemon; `run` does the calls and the printing. */
export function clientCommand<A>(spec: {
  command: string;
  describe: string;
  builder?: (y: Argv<DaemonFlags>) => Argv<A & DaemonFlags>;
  run: (ctx: ClientContext<A>) => Promise<void>;
}): CommandModule<object, A & DaemonFlags> {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (y) => {
      const withCommon = withDaemonFlags(y);
      return (spec.builder ? spec.builder(withCommon) : withCommon) as Argv<A & DaemonFlags>;
    },
    handler: async (args) => {
      // grpc-js would print its own copy of the errors we report below.
      setLogVerbosity(logVerbosity.NONE);
      let address = args.addr ?? DEFAULT_ADDRESS;
      let control: ControlServiceClient | undefined;
      try {
        const target = daemonTarget(args);
        address = target.address;
        const metadata = new Metadata();
        if (target.token) metadata.set('authorization', `Bearer ${target.token}`);
        control = createControlClient(address);
        await spec.run({
          args: args as unknown as A & DaemonFlags,
          address,
          control,
          metadata,
          callOptions: () => ({ deadline: deadline(args.timeout) }),
          print: (text) => console.log(text),
          printJson: (value) => console.log(JSON.stringify(value, null, 2)),
        });
      } catch (err) {
        console.error(`p2pd: ${describeCallError(err, address, args.timeout)}`);
        process.exitCode = err instanceof CliError ? err.exitCode : EXIT.failed;
      } finally {
        control?.close();
      }
    },
  };
}
