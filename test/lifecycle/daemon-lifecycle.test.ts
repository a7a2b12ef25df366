// The real binary from start to stop: serves, logs, stops on SIGTERM/SIGINT
// within 2 s, and refuses a port another daemon holds.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataChunk__Output } from '../../src/generated/p2p/v1/DataChunk.js';
import { deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import { waitFor } from '../fixtures/peers.js';
import { spawnP2pd, runP2pd, waitIndexed, type RunningDaemon } from '../fixtures/spawn.js';

interface Started {
  daemon: RunningDaemon;
  grpc: string;
  rest: string;
}

interface LogRecord {
  level: number;
  msg: string;
  peer?: string;
  reason?: string;
  err?: { message: string };
}

describe('daemon lifecycle (real binary)', function () {
  this.timeout(60_000);
  let dir: string;
  const running: RunningDaemon[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-life-'));
  });
  afterEach(async () => {
    for (const d of running.splice(0)) {
      d.kill('SIGKILL');
      await d.exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes a config with ports 0 (or the given ones) and returns its path. */
  async function writeConfig(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const file = join(dir, `${name}.json`);
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(
      file,
      JSON.stringify({
        id: name,
        sharedDir: `./${name}/share`,
        grpc: { host: '127.0.0.1', port: 0 },
        rest: { host: '127.0.0.1', port: 0 },
        log: { file: `./${name}/p2pd.log`, level: 'info' },
        ...extra,
      }),
    );
    return file;
  }

  /** Starts the binary and reads the bound addresses from its startup line. */
  async function start(config: string, args: string[] = []): Promise<Started> {
    const daemon = spawnP2pd(['--config', config, ...args]);
    running.push(daemon);
    const out = await daemon.waitForOutput(/ started: gRPC \S+, REST http:\/\/\S+/, 30_000);
    const m = / started: gRPC (\S+), REST http:\/\/(\S+)/.exec(out)!;
    await waitIndexed(`http://${m[2]!}`);
    return { daemon, grpc: m[1]!, rest: m[2]! };
  }

  const logRecords = async (name: string): Promise<LogRecord[]> =>
    (await readFile(join(dir, name, 'p2pd.log'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogRecord);

  /** Sends a signal and resolves with the exit code and how long the exit took. */
  async function stopWith(d: RunningDaemon, signal: NodeJS.Signals) {
    const sent = Date.now();
    d.kill(signal);
    const { code, signal: killedBy } = await d.exited;
    return { code, killedBy, ms: Date.now() - sent };
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves /healthz, writes its log file, and exits 0 within 2 s on ${signal}`, async () => {
      const config = await writeConfig('life');
      const { daemon, rest, grpc } = await start(config);
      const health = await fetch(`http://${rest}/healthz`, { signal: AbortSignal.timeout(5000) });
      expect(health.status).to.equal(200);

      const stopped = await stopWith(daemon, signal);
      expect(stopped.code, daemon.output()).to.equal(0);
      expect(stopped.killedBy).to.equal(null);
      expect(stopped.ms, 'exit time, ms').to.be.lessThan(2000);

      const records = await logRecords('life');
      const msgs = records.map((r) => r.msg);
      expect(msgs.find((m) => m.includes(`peer life started: gRPC ${grpc}`))).to.be.a('string');
      expect(records.find((r) => r.msg === 'stopping')?.reason).to.equal(signal);
      expect(msgs.at(-1)).to.equal('stopped');
      expect(records.every((r) => r.peer === 'life')).to.equal(true);
    });
  }

  it("runs with the launcher's memory settings: two malloc arenas and the node flags", async () => {
    const { daemon } = await start(await writeConfig('launcher'));
    const pid = daemon.child.pid!;
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    expect(environ).to.include('MALLOC_ARENA_MAX=2');
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    expect(argv).to.include.members([
      '--single-threaded-gc',
      '--initial-old-space-size=16',
      '--max-semi-space-size=2',
    ]);
  });

  it('exits within 2 s on SIGTERM even with a download stream held open', async () => {
    const config = await writeConfig('busy');
    await mkdir(join(dir, 'busy', 'share'), { recursive: true });
    const content = randomBytes(8 * 1024 * 1024);
    await writeFile(join(dir, 'busy', 'share', 'big.bin'), content);
    const { daemon, grpc } = await start(config);
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(content).digest('hex');
    const client = strangerClient(grpc);
    try {
      const call = client.Download({ sha256: sha }, { deadline: deadline(30_000) });
      call.on('error', () => undefined);
      // Read one chunk, then stop reading: the server is blocked on a full stream.
      await new Promise<void>((resolve) =>
        call.once('data', (_c: DataChunk__Output) => {
          call.pause();
          resolve();
        }),
      );
      const stopped = await stopWith(daemon, 'SIGTERM');
      expect(stopped.code, daemon.output()).to.equal(0);
      expect(stopped.ms, 'exit time, ms').to.be.lessThan(2000);
    } finally {
      client.close();
    }
  });

  it('a second daemon on the same gRPC port fails with exit 1 naming the address', async () => {
    const first = await start(await writeConfig('first'));
    const port = first.grpc.split(':')[1]!;
    const second = await runP2pd(
      ['--config', await writeConfig('second'), '--grpc-port', port],
      30_000,
    );
    expect(second.code, second.stderr).to.equal(1);
    const lines = second.stderr.trimEnd().split('\n');
    expect(lines).to.deep.equal([
      `p2pd: cannot start: cannot listen for gRPC on 127.0.0.1:${port}: address already in use`,
    ]);
    const failed = (await logRecords('second')).find((r) => r.msg === 'start failed');
    expect(failed?.err?.message).to.include('address already in use');
    // The first one is unharmed.
    const health = await fetch(`http://${first.rest}/healthz`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(health.status).to.equal(200);
    expect((await stopWith(first.daemon, 'SIGTERM')).code).to.equal(0);
  });

  it('a second daemon on the same REST port fails with exit 1 naming the address', async () => {
    const first = await start(await writeConfig('first'));
    const port = first.rest.split(':')[1]!;
    const second = await runP2pd(
      ['--config', await writeConfig('second'), '--rest-port', port],
      30_000,
    );
    expect(second.code, second.stderr).to.equal(1);
    expect(second.stderr.trimEnd().split('\n')).to.deep.equal([
      `p2pd: cannot start: cannot listen for REST on 127.0.0.1:${port}: address already in use`,
    ]);
    // Its gRPC server had started; it was stopped again, so its log ends cleanly.
    await waitFor(async () => (await logRecords('second')).some((r) => r.msg === 'start failed'), {
      what: 'the failure in the log file',
    });
    const health = await fetch(`http://${first.rest}/healthz`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(health.status).to.equal(200);
    expect((await stopWith(first.daemon, 'SIGTERM')).code).to.equal(0);
  });
});
