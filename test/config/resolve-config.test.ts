// resolveConfig defaults and path resolution; loadConfigFile overrides; and
// the daemon's override flags on the real binary.
import { expect } from 'chai';
import { readFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfigFile, resolveConfig } from '../../src/config/load.js';
import { defaultLogFile } from '../../src/config/log-path.js';
import { ConfigError } from '../../src/errors.js';
import type { StatusResponse__Output } from '../../src/generated/p2p/v1/StatusResponse.js';
import { createControlClient, deadline, unaryCall } from '../../src/grpc/clients.js';
import { waitFor } from '../fixtures/peers.js';
import { freePort } from '../fixtures/ports.js';
import { runP2pd, spawnP2pd } from '../fixtures/spawn.js';

describe('config resolution', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-resolve-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fills every default and resolves paths from the config folder', () => {
    const c = resolveConfig({ sharedDir: 'share' }, 'peer.json', dir);
    expect(c.sharedDir).to.equal(join(dir, 'share'));
    expect(statSync(c.sharedDir).isDirectory()).to.equal(true);
    expect(c.dataDir).to.equal(join(dir, 'share', '.p2pd'));
    // Off the share: under $XDG_STATE_HOME, which the root hook points at a temp folder.
    expect(c.log).to.deep.equal({
      file: join(process.env.XDG_STATE_HOME!, 'p2pd', `${c.id}.log`),
      level: 'info',
      maxBytes: 10 * 1024 * 1024,
      maxFiles: 3,
    });
    expect(c.id).to.match(/^peer-[0-9a-f]{8}$/);
    expect(resolveConfig({ sharedDir: 'share' }, 'again.json', dir).id).to.equal(c.id);
    expect(c.grpc).to.deep.equal({
      host: '0.0.0.0',
      port: 50051,
      maxConnections: 1024,
      maxConnectionsPerIp: 64,
      plaintextPeers: false,
      maxStreamsPerIp: 128,
    });
    expect(c.network).to.deep.equal({});
    expect(c.rest).to.deep.equal({
      host: '127.0.0.1',
      port: 5001,
      allowedHosts: [],
      allowedOrigins: [],
      maxConnections: 512,
      maxConnectionsPerIp: 64,
      maxUploadBytes: 1024 ** 3,
    });
    expect(c.bootstrap).to.deep.equal([]);
    expect(c.index).to.deep.equal({
      chunkSize: 1024 * 1024,
      watch: true,
      rescanIntervalMs: 300_000,
    });
    expect(c.nats).to.deep.equal({
      jetstream: 'auto',
      stream: {
        name: 'P2P_EVENTS',
        subjects: ['p2p.>'],
        maxAgeMs: 7 * 24 * 3600 * 1000,
        maxBytes: 1024 ** 3,
        maxMsgs: 0,
        duplicateWindowMs: 120_000,
        replicas: 1,
      },
      outbox: { maxEvents: 10_000, maxBytes: 16 * 1024 * 1024 },
      reconnectWaitMs: 2000,
      ackTimeoutMs: 5000,
      drainTimeoutMs: 400,
    });
    expect(c.source).to.equal('peer.json');
  });

  it("takes a dataDir outside the share, or the share's own .p2pd, and refuses others inside", async () => {
    const ok = resolveConfig({ sharedDir: 'share', dataDir: 'share/.p2pd' }, 'p.json', dir);
    expect(ok.dataDir).to.equal(join(dir, 'share', '.p2pd'));
    expect(
      resolveConfig({ sharedDir: 'share', dataDir: 'share-state' }, 'p.json', dir).dataDir,
    ).to.equal(join(dir, 'share-state'));
    await symlink('share', join(dir, 'via-link'));
    for (const dataDir of [
      'share/state',
      'share',
      'share/sub/.p2pd',
      'via-link/state',
      join(dir, 'share/x'),
    ]) {
      expect(() => resolveConfig({ sharedDir: 'share', dataDir }, 'p.json', dir), dataDir)
        .to.throw(ConfigError, /dataDir: .* is inside sharedDir/)
        .with.property('field', 'dataDir');
    }
    // Refused before anything is made.
    expect(existsSync(join(dir, 'share', 'state'))).to.equal(false);
    expect(existsSync(join(dir, 'share', 'sub'))).to.equal(false);
  });

  it('keeps what the file says, absolute paths as given', () => {
    const c = resolveConfig(
      {
        id: 'peer_7-x',
        sharedDir: join(dir, 'abs-share'),
        dataDir: 'state',
        grpc: { host: '127.0.0.1', port: 50052, advertise: 'peer7.lan:50052', token: 'abcdefgh' },
        rest: { host: '0.0.0.0', port: 0, token: '12345678', maxUploadBytes: 10 },
        bootstrap: ['127.0.0.1:50051', '[::1]:50053'],
        index: { chunkSize: 65536, watch: false, rescanIntervalMs: 0 },
        nats: { url: ['nats://127.0.0.1:4222'] },
        log: { file: 'logs/p.log', level: 'debug', maxBytes: 65536, maxFiles: 1 },
      },
      'peer.json',
      dir,
    );
    expect(c.id).to.equal('peer_7-x');
    expect(c.sharedDir).to.equal(join(dir, 'abs-share'));
    expect(c.dataDir).to.equal(join(dir, 'state'));
    expect(c.log).to.deep.equal({
      file: join(dir, 'logs', 'p.log'),
      level: 'debug',
      maxBytes: 65536,
      maxFiles: 1,
    });
    expect(existsSync(join(dir, 'logs'))).to.equal(true);
    expect(c.grpc.advertise).to.equal('peer7.lan:50052');
    expect(c.rest.port).to.equal(0);
    expect(c.bootstrap).to.deep.equal(['127.0.0.1:50051', '[::1]:50053']);
    expect(c.index.watch).to.equal(false);
  });

  it('logs under $XDG_STATE_HOME/p2pd/<id>.log by default, ~/.local/state when unset or relative', () => {
    expect(defaultLogFile('p1', { XDG_STATE_HOME: '/var/state' })).to.equal(
      '/var/state/p2pd/p1.log',
    );
    const home = join(homedir(), '.local', 'state', 'p2pd', 'p1.log');
    expect(defaultLogFile('p1', {})).to.equal(home);
    expect(defaultLogFile('p1', { XDG_STATE_HOME: 'relative/state' })).to.equal(home);
    // The folder is made when the daemon's config is resolved, not when a client reads it.
    const c = resolveConfig({ id: 'xdg-peer', sharedDir: 'share' }, 'peer.json', dir);
    expect(c.log.file).to.equal(join(process.env.XDG_STATE_HOME!, 'p2pd', 'xdg-peer.log'));
    expect(statSync(dirname(c.log.file)).isDirectory()).to.equal(true);
    expect(existsSync(join(dir, 'share', '.p2pd', 'p2pd.log'))).to.equal(false);
  });

  it('lets overrides win over the file, and validates them too', async () => {
    const file = join(dir, 'peer.json');
    await writeFile(
      file,
      JSON.stringify({
        id: 'from-file',
        sharedDir: 'file-share',
        grpc: { host: '127.0.0.1', port: 50051, token: 'keep-this-token' },
        rest: { port: 5001 },
        bootstrap: ['127.0.0.1:1'],
      }),
    );
    const c = loadConfigFile(file, {
      id: 'from-flag',
      grpcPort: 6000,
      restPort: 6001,
      sharedDir: join(dir, 'flag-share'),
      bootstrap: ['127.0.0.1:2', '127.0.0.1:3'],
    });
    expect(c.id).to.equal('from-flag');
    expect(c.grpc).to.deep.include({ host: '127.0.0.1', port: 6000, token: 'keep-this-token' });
    expect(c.rest.port).to.equal(6001);
    expect(c.sharedDir).to.equal(join(dir, 'flag-share'));
    expect(existsSync(join(dir, 'file-share'))).to.equal(false);
    expect(c.bootstrap).to.deep.equal(['127.0.0.1:2', '127.0.0.1:3']);
    const bad = (() => {
      try {
        loadConfigFile(file, { grpcPort: 70000 });
      } catch (err) {
        return err as ConfigError;
      }
      return undefined;
    })();
    expect(bad).to.be.instanceOf(ConfigError);
    expect(bad!.field).to.equal('grpc.port');
    expect(bad!.file).to.equal(file);
  });

  it('leaves the folders alone when only their paths are wanted (a client reading the config)', async () => {
    const file = join(dir, 'peer.json');
    await writeFile(
      file,
      JSON.stringify({ sharedDir: 'share', dataDir: 'data', grpc: { port: 7 } }),
    );
    const c = loadConfigFile(file, {}, { prepareFolders: false });
    expect(c.sharedDir).to.equal(join(dir, 'share'));
    expect(c.dataDir).to.equal(join(dir, 'data'));
    expect(existsSync(c.sharedDir)).to.equal(false);
    expect(existsSync(c.dataDir)).to.equal(false);
    // A client command with --config: the daemon is not there, and nothing is created.
    const run = await runP2pd(['status', '--config', file]);
    expect(run.code).to.not.equal(0);
    expect(existsSync(c.sharedDir)).to.equal(false);
    expect(existsSync(c.dataDir)).to.equal(false);
  });

  it('throws ConfigError with file and field for bad values', () => {
    const attempt = (raw: unknown): ConfigError => {
      try {
        resolveConfig(raw, 'x.json', dir);
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    expect(attempt(null).field).to.equal('');
    expect(attempt({ sharedDir: 's', grpc: { port: 'x' } }).message).to.equal(
      'x.json: grpc.port: expected number, got string "x"',
    );
    expect(attempt({ sharedDir: 's', grpc: { advertise: 'nohost' } }).field).to.equal(
      'grpc.advertise',
    );
    expect(attempt({ sharedDir: 's', bootstrap: ['h:1', 7] }).message).to.equal(
      'x.json: bootstrap[1]: expected string, got number 7',
    );
    const bad: [unknown, string][] = [
      [{ rest: { allowedHosts: ['evil.example/x'] } }, 'rest.allowedHosts[0]'],
      [{ rest: { allowedHosts: ['a..b'] } }, 'rest.allowedHosts[0]'],
      [{ rest: { allowedOrigins: ['dash.example'] } }, 'rest.allowedOrigins[0]'],
      [{ rest: { allowedOrigins: ['http://dash.example/app'] } }, 'rest.allowedOrigins[0]'],
      [{ rest: { allowedOrigins: ['ftp://dash.example'] } }, 'rest.allowedOrigins[0]'],
      [{ rest: { maxConnections: 0 } }, 'rest.maxConnections'],
      [{ rest: { maxConnectionsPerIp: -1 } }, 'rest.maxConnectionsPerIp'],
      [{ grpc: { maxConnections: 1e9 } }, 'grpc.maxConnections'],
      [{ grpc: { maxConnectionsPerIp: 1.5 } }, 'grpc.maxConnectionsPerIp'],
    ];
    for (const [raw, field] of bad) {
      expect(attempt({ sharedDir: 's', ...(raw as object) }).field, field).to.equal(field);
    }
    const ok = resolveConfig(
      {
        sharedDir: 's',
        rest: { allowedHosts: ['peer1.lan'], allowedOrigins: ['https://dash.example:8443/'] },
      },
      'x.json',
      dir,
    );
    expect(ok.rest.allowedHosts).to.deep.equal(['peer1.lan']);
  });
});

describe('daemon override flags (real binary)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-flags-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--grpc-port, --rest-port, --shared-dir, --bootstrap and --id override the file', async () => {
    const file = join(dir, 'peer.json');
    const log = join(dir, 'peer.log');
    await writeFile(
      file,
      JSON.stringify({
        id: 'file-id',
        sharedDir: './file-share',
        grpc: { host: '127.0.0.1', port: 1 },
        rest: { port: 2 },
        bootstrap: ['127.0.0.1:9'],
        log: { file: log },
      }),
    );
    const [grpcPort, restPort] = [await freePort(), await freePort()];
    const share = join(dir, 'flag-share');
    const daemon = spawnP2pd([
      '--config',
      file,
      '--grpc-port',
      String(grpcPort),
      '--rest-port',
      String(restPort),
      '--shared-dir',
      share,
      '--bootstrap',
      '127.0.0.1:7001',
      '127.0.0.1:7002',
      '--id',
      'flag-id',
    ]);
    const client = createControlClient(`127.0.0.1:${grpcPort}`);
    try {
      const out = await daemon.waitForOutput(/ started: /, 30_000);
      expect(out).to.include(`peer flag-id started: gRPC 127.0.0.1:${grpcPort}`);
      expect(out).to.include(`REST http://127.0.0.1:${restPort}`);
      const s = await unaryCall<StatusResponse__Output>((cb) =>
        client.Status({}, { deadline: deadline(5000) }, cb),
      );
      expect(s).to.include({ id: 'flag-id', sharedDir: share });
      expect(existsSync(join(dir, 'file-share'))).to.equal(false);
      const started = await waitFor(
        async () =>
          (await readFile(log, 'utf8').catch(() => ''))
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { msg: string; bootstrap?: string[] })
            .find((r) => r.msg.includes(' started: ')),
        { timeoutMs: 10_000, what: 'the startup record in the log file' },
      );
      expect(started.bootstrap).to.deep.equal(['127.0.0.1:7001', '127.0.0.1:7002']);
    } finally {
      client.close();
      daemon.kill('SIGTERM');
      expect((await daemon.exited).code).to.equal(0);
    }
  });
});
