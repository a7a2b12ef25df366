// Node's own ceiling for the transfer bench: bare node:http2 over TLS, from
// memory to memory (h2-server.ts, h2-client.ts), with the peer wire's TLS
// and windows but none of p2pd (no gRPC framing, hashing or disk). One
// session, then several on the fetch's one thread, then several on a thread
// each: what the fetch's design can reach on this machine, and what more
// sources cost a single event loop whatever runs on it.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PeerIdentity } from '../src/identity/peer-identity.js';
import { cpuDuring, procStats } from './proc.js';
import { MiB } from './table.js';
import type { TransferRun } from './transfer.js';

/**
 * The flow-control window per stream and session, as download-client.ts's
 * WINDOW: a copy, since importing it would load grpc-js into the bare processes.
 */
export const H2_WINDOW = 16 * MiB;

export interface H2Server {
  process: ChildProcess;
  port: number;
}

/** A server process with this identity; its port once it listens. */
export async function startH2Server(id: PeerIdentity): Promise<H2Server> {
  const child = forkHere('./h2-server.js');
  child.send(id);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`http2 server exited (${code})`)));
  });
  return { process: child, port };
}

/** A fresh client process takes `bytes` from `servers`, shared out; its CPU and theirs. */
export async function h2Fetch(
  servers: H2Server[],
  bytes: number,
  threads: boolean,
  id: PeerIdentity,
): Promise<TransferRun> {
  const child = forkHere('./h2-client.js');
  try {
    const exited = new Promise<never>((_resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`http2 client exited (${code})`)));
    });
    exited.catch(() => undefined); // killed once done: only a race before then hears of it
    const next = <T>(): Promise<T> =>
      Promise.race([new Promise<T>((resolve) => child.once('message', resolve)), exited]);
    const ready = next<'ready'>();
    child.send({ ports: servers.map((s) => s.port), bytes, threads, id });
    await ready;
    const client = procStats(child.pid);
    const [result, used] = await cpuDuring(
      client,
      servers.map((s) => procStats(s.process.pid)),
      () => {
        const done = next<{ seconds: number; bytes: number }>();
        child.send('go');
        return done;
      },
    );
    if (result.bytes !== bytes)
      throw new Error(`http2 client got ${result.bytes} of ${bytes} bytes`);
    return {
      seconds: result.seconds,
      mibPerSecond: bytes / MiB / result.seconds,
      fetcherRss: await client.peakRss(),
      ...used,
    };
  } finally {
    child.kill();
  }
}

function forkHere(script: string): ChildProcess {
  return fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}
