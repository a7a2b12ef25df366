// The three sample configs in config/ form a network: `p2pd search` from
// peer1 finds the files of peer3. The configs are copied unchanged into a temp
// folder (so their relative data/ and logs/ paths land there); only the
// ports are overridden, to free ones, and the bootstrap lists follow them.
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../fixtures/ports.js';
import { waitFor } from '../fixtures/peers.js';
import { runP2pd, spawnP2pd, type RunningDaemon } from '../fixtures/spawn.js';
import { controlSearch } from './network.js';

const CONFIG_DIR = fileURLToPath(new URL('../../../config/', import.meta.url));

interface SampleConfig {
  grpc: { port: number };
  bootstrap: string[];
  sharedDir: string;
}

describe('sample configs', function () {
  this.timeout(60_000);
  let dir: string;
  let daemons: RunningDaemon[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-samples-'));
  });
  after(async () => {
    for (const d of daemons) d.kill('SIGTERM');
    await Promise.all(daemons.map((d) => d.exited));
    daemons = [];
    await rm(dir, { recursive: true, force: true });
  });

  it('peer1, peer2 and peer3 form a network where peer1 finds the files of peer3', async () => {
    const names = ['peer1', 'peer2', 'peer3'];
    const configs = await Promise.all(
      names.map(
        async (n) =>
          JSON.parse(await readFile(join(CONFIG_DIR, `${n}.json`), 'utf8')) as SampleConfig,
      ),
    );
    // Sample port -> free port, so the bootstrap lists keep their meaning.
    const grpcPorts = new Map<number, number>();
    for (const c of configs) grpcPorts.set(c.grpc.port, await freePort());
    await mkdir(join(dir, 'config'));
    for (const [i, n] of names.entries()) {
      await writeFile(
        join(dir, 'config', `${n}.json`),
        await readFile(join(CONFIG_DIR, `${n}.json`)),
      );
      const shared = join(dir, 'config', configs[i]!.sharedDir);
      await mkdir(shared, { recursive: true });
      await writeFile(join(shared, `${n}-holiday-photo.jpg`), `a photo shared by ${n}`);
    }
    const addresses = names.map((_, i) => `127.0.0.1:${grpcPorts.get(configs[i]!.grpc.port)}`);
    for (const [i, n] of names.entries()) {
      const bootstrap = configs[i]!.bootstrap.map((b) => {
        const port = Number(b.split(':').pop());
        return `127.0.0.1:${grpcPorts.get(port) ?? port}`;
      });
      const args = ['--config', join(dir, 'config', `${n}.json`)];
      args.push('--grpc-port', String(grpcPorts.get(configs[i]!.grpc.port)));
      args.push('--rest-port', String(await freePort()));
      for (const b of bootstrap) args.push('--bootstrap', b);
      daemons.push(spawnP2pd(args));
    }
    await Promise.all(daemons.map((d) => d.waitForOutput(/started: gRPC/, 20_000)));

    const hits = await waitFor(
      async () => {
        const result = await controlSearch(addresses[0]!, { query: 'photo', timeoutMs: 2000 });
        const ids = result.hits.map((h) => h.peer!.id).sort();
        return ids.includes('peer3') && ids.includes('peer2') ? result.hits : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'peer1 to find the files of peer2 and peer3' },
    );
    const fromPeer3 = hits.find((h) => h.peer!.id === 'peer3')!;
    expect(fromPeer3.file!.names).to.deep.equal(['peer3-holiday-photo.jpg']);
    expect(fromPeer3.peer!.address).to.equal(addresses[2]);

    // And as a person would ask: `p2pd search` against peer1.
    const cli = await runP2pd(['search', 'holiday', 'photo', '--addr', addresses[0]!]);
    expect(cli.stderr).to.equal('');
    expect(cli.code).to.equal(0);
    expect(cli.stdout).to.match(
      new RegExp(`\\speer3\\s+${addresses[2]}\\s+peer3-holiday-photo\\.jpg$`, 'm'),
    );
    expect(cli.stdout).to.match(/^3 hits from 3 peers in \d+ ms$/m);
  });
});
