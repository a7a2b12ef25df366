// `p2pd demo --peers N`: a whole network on this host in one command, for a
// first look. N daemons run in this process on free loopback ports, each
// with a few sample files (one of them held by several peers, so a fetch
// pulls chunks from more than one source), joined through the first peer.
// Ctrl-C stops them in reverse order and removes their folder.
import { setLogger } from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import type { Daemon } from '../daemon.js';
import { grpcLogSink } from '../logger.js';

export interface DemoArgs {
  peers: number;
  dir?: string;
}

const MAX_PEERS = 20;

/** Deterministic bytes, so every peer holding the "shared" file holds the same content. */
function sampleBytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** The sample files of peer `i` (1-based), by relative name. */
function sampleFiles(i: number): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {
    [`peer${i}-notes.txt`]: `Notes kept by peer${i}. Search for "notes" to find every peer's.\n`,
  };
  if (i === 1) {
    files['welcome.md'] =
      '# Welcome to the p2pd demo\n\nEvery peer shares a folder. Search the network from any ' +
      'web UI, fetch what you find, push files to other peers.\n';
  } else {
    // Held by every peer but the first: fetching it from peer1 uses several sources.
    files['music/demo-song.ogg'] = sampleBytes(3 * 1024 * 1024, 'demo-song');
  }
  if (i % 2 === 0) files[`photos/peer${i}-photo.jpg`] = sampleBytes(200 * 1024, `photo-${i}`);
  return files;
}

async function startPeers(root: string, count: number): Promise<Daemon[]> {
  const { resolveConfig } = await import('../config/load.js');
  const { Daemon } = await import('../daemon.js');
  const started: Daemon[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      const home = join(root, `peer${i}`);
      for (const [name, content] of Object.entries(sampleFiles(i))) {
        await mkdir(dirname(join(home, 'share', name)), { recursive: true });
        await writeFile(join(home, 'share', name), content);
      }
      const raw = {
        id: `peer${i}`,
        sharedDir: './share',
        dataDir: './data',
        grpc: { host: '127.0.0.1', port: 0 },
        rest: { host: '127.0.0.1', port: 0 },
        bootstrap: started.slice(0, 2).map((d) => d.grpcAddress),
        log: { file: './p2pd.log', level: 'info' },
      };
      const daemon = new Daemon(resolveConfig(raw, `demo peer${i}`, home), { console: false });
      // grpc-js's own lines go to the first peer's log, not the terminal.
      if (i === 1) setLogger(grpcLogSink(daemon.logger.child({ component: 'grpc-js' })));
      await daemon.start();
      started.push(daemon);
    }
    return started;
  } catch (err) {
    // A failed start stops what already started.
    for (const d of started.reverse()) await d.stop('demo failed to start');
    throw err;
  }
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'Run a demo network of N local peers with sample files; Ctrl-C stops it',
  builder: (y) =>
    y
      .option('peers', {
        alias: 'n',
        type: 'number',
        default: 3,
        describe: `How many peers (1-${MAX_PEERS})`,
      })
      .option('dir', {
        type: 'string',
        describe: "Keep the peers' folders here (default: a temp folder removed on exit)",
      })
      .check((a) => {
        if (!Number.isInteger(a.peers) || a.peers < 1 || a.peers > MAX_PEERS) {
          throw new Error(`--peers must be a whole number from 1 to ${MAX_PEERS}`);
        }
        return true;
      }),
  handler: async (args) => {
    const root = args.dir ? resolve(args.dir) : await mkdtemp(join(tmpdir(), 'p2pd-demo-'));
    await mkdir(root, { recursive: true });
    let daemons: Daemon[];
    try {
      daemons = await startPeers(root, args.peers);
    } catch (err) {
      console.error(`p2pd demo: cannot start: ${(err as Error).message}`);
      if (!args.dir) await rm(root, { recursive: true, force: true });
      process.exit(1);
    }
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        console.error('p2pd demo: forced exit');
        process.exit(130);
      }
      stopping = true;
      console.log(`\np2pd demo: stopping ${daemons.length} peers`);
      void (async () => {
        for (const d of [...daemons].reverse()) await d.stop(signal);
        if (!args.dir) await rm(root, { recursive: true, force: true });
        process.exit(0);
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const first = daemons[0]!;
    console.log(`p2pd demo: ${daemons.length} peers on this host, their folders in ${root}`);
    for (const d of daemons) {
      console.log(
        `  ${d.config.id.padEnd(7)} web UI http://127.0.0.1:${d.rest.port}/   gRPC ${d.grpcAddress}`,
      );
    }
    console.log(
      `\nOpen http://127.0.0.1:${first.rest.port}/ and search for "song" or "notes", or:\n` +
        `  p2pd search notes --addr ${first.grpcAddress}\n` +
        `  p2pd get demo-song.ogg --addr ${first.grpcAddress}\n` +
        'Ctrl-C stops every peer.',
    );
  },
};
