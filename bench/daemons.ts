// Real p2pd daemons as child processes for benchmarks, with their peak RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createControlClient, deadline } from '../src/grpc/clients.js';
import { procStats, type ProcStats } from './proc.js';

const BIN = fileURLToPath(new URL('../../bin/p2pd', import.meta.url));

export interface BenchDaemon extends ProcStats {
  id: string;
  child: ChildProcess;
  grpcAddress: string;
  /** host:port of the REST API. */
  restAddress: string;
  stop(): Promise<void>;
}

/** The variables and node flags in bin/p2pd's `#!/usr/bin/env -S [VAR=value...] node <flags>` line. */
async function shebang(): Promise<{ env: Record<string, string>; flags: string[] }> {
  const first = (await readFile(BIN, 'utf8')).split('\n', 1)[0]!;
  const m = /^#!\S*env -S ((?:\w+=\S* )*)node(.*)$/.exec(first);
  const env = Object.fromEntries(
    (m?.[1] ?? '')
      .split(' ')
      .filter(Boolean)
      .map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]),
  );
  return { env, flags: m?.[2]?.split(' ').filter(Boolean) ?? [] };
}

export async function startDaemon(
  dir: string,
  id: string,
  config: Record<string, unknown> = {},
): Promise<BenchDaemon> {
  const configFile = join(dir, `${id}.json`);
  await writeFile(
    configFile,
    JSON.stringify({
      id,
      sharedDir: join(dir, id, 'shared'),
      dataDir: join(dir, id, 'data'),
      grpc: { host: '127.0.0.1', port: 0 },
      rest: { host: '127.0.0.1', port: 0 },
      log: { file: join(dir, id, 'p2pd.log'), level: 'info' },
      ...config,
    }),
  );
  const launcher = await shebang();
  const child = spawn(
    process.execPath,
    [
      // As a user runs it: the variables and node flags bin/p2pd's shebang sets.
      ...launcher.flags,
      // Tuning experiments: P2PD_BENCH_NODE_ARGS='--max-semi-space-size=8'.
      ...(process.env.P2PD_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...(process.env.P2PD_BENCH_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.P2PD_BENCH_PROF}`]
        : []),
      BIN,
      '--config',
      configFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...launcher.env } },
  );
  let output = '';
  // The startup line (log level info or finer) names both bound addresses.
  const [grpcAddress, restAddress] = await new Promise<[string, string]>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /gRPC (\S+?), REST http:\/\/(\S+)/.exec(output);
      if (m) resolve([m[1]!, m[2]!]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${id} exited (${code}):\n${output}`)));
  });
  // Keep draining the pipes so the daemon never blocks on a full one.
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    id,
    child,
    grpcAddress,
    restAddress,
    ...procStats(child.pid),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until a daemon's index holds `files` files and is idle. */
export async function waitIndexed(
  d: BenchDaemon,
  files: number,
  timeoutMs = 300_000,
): Promise<void> {
  const client = createControlClient(d.grpcAddress);
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const status = await new Promise<{ files: number; indexing: boolean }>((resolve, reject) =>
        client.Status({}, { deadline: deadline(10_000) }, (err, s) =>
          err || !s ? reject(err ?? new Error('no status')) : resolve(s),
        ),
      );
      if (status.files >= files && !status.indexing) return;
      if (Date.now() > until) throw new Error(`${d.id} did not index ${files} file(s) in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
