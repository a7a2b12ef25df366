// The Node ceiling's fetcher, run as its own process: bare node:http2 sessions
// over TLS, one per source, each taking its share of the bytes and copying
// them into a 1 MiB buffer as the fetch copies them into chunk slots; no
// hashing, no disk. The sessions run on the main thread, as the fetch's do,
// or each on a thread of its own. They connect (and threads start) before
// `ready`; the parent reads this process's CPU between `go` and the result.
import { connect } from 'node:http2';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PeerIdentity } from '../src/identity/peer-identity.js';
import { H2_WINDOW } from './h2-ceiling.js';
import { MiB } from './table.js';

interface Share {
  port: number;
  bytes: number;
  id: PeerIdentity;
}

/** A session to the server of `share`, up; `take()` then receives the share's bytes. */
function open({ port, bytes, id }: Share): Promise<{ take(): Promise<number> }> {
  const session = connect(`https://127.0.0.1:${port}`, {
    key: id.keyPem,
    cert: id.certPem,
    ca: id.caPem,
    minVersion: 'TLSv1.3',
    // The name means nothing here, as on the peer wire (which checks the key instead).
    checkServerIdentity: () => undefined,
    settings: { initialWindowSize: H2_WINDOW },
  });
  const take = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const slot = Buffer.allocUnsafe(MiB);
      let got = 0;
      const stream = session.request({ ':path': '/', 'x-bytes': String(bytes) });
      stream.on('data', (piece: Buffer) => {
        for (let at = 0; at < piece.length;) {
          const into = (got + at) % MiB;
          const n = Math.min(piece.length - at, MiB - into);
          piece.copy(slot, into, at, at + n);
          at += n;
        }
        got += piece.length;
      });
      stream.on('error', reject);
      stream.on('end', () => {
        session.close();
        resolve(got);
      });
    });
  return new Promise((resolve, reject) => {
    session.once('error', reject);
    session.once('connect', () => {
      session.setLocalWindowSize(H2_WINDOW);
      resolve({ take });
    });
  });
}

/** The same on a thread of its own. */
function openOnThread(share: Share): Promise<{ take(): Promise<number> }> {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: share,
    // A thread's young generation held small, as the daemon's is (bin/p2pd): with V8's
    // default, three threads took the process from ~85 MiB RSS to 177; with this, to 131.
    resourceLimits: { maxYoungGenerationSizeMb: 3 },
  });
  const next = (): Promise<unknown> =>
    new Promise((resolve, reject) => {
      worker.once('message', resolve).once('error', reject);
    });
  return next().then(() => ({
    take: () => {
      const got = next() as Promise<number>;
      worker.postMessage('go');
      return got;
    },
  }));
}

if (!isMainThread) {
  const { take } = await open(workerData as Share);
  parentPort!.postMessage('connected');
  parentPort!.once('message', () => void take().then((got) => parentPort!.postMessage(got)));
} else {
  if (!process.send) {
    console.error('usage: forked by the transfer bench');
    process.exit(2);
  }
  const fail = (err: unknown): never => {
    console.error(err);
    process.exit(1);
  };
  process.once(
    'message',
    (task: { ports: number[]; bytes: number; threads: boolean; id: PeerIdentity }) => {
      const per = Math.floor(task.bytes / task.ports.length);
      const shares = task.ports.map((port, i) => ({
        port,
        id: task.id,
        bytes: i === 0 ? task.bytes - per * (task.ports.length - 1) : per,
      }));
      Promise.all(shares.map(task.threads ? openOnThread : open)).then((sessions) => {
        process.once('message', () => {
          const started = performance.now();
          Promise.all(sessions.map((s) => s.take())).then((got) => {
            const seconds = (performance.now() - started) / 1000;
            process.send!({ seconds, bytes: got.reduce((a, b) => a + b, 0) });
          }, fail);
        });
        process.send!('ready');
      }, fail);
    },
  );
}
