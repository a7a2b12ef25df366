// `p2pd status` and `p2pd files`: the real binary against a real daemon.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { freePort, silentServer } from '../fixtures/ports.js';
import { runP2pd } from '../fixtures/spawn.js';

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

describe('cli client commands', function () {
  this.timeout(60_000);
  const big = Buffer.alloc(3 * 1024 * 1024 + 512 * 1024, 7);
  let peer: TestPeer;

  before(async () => {
    const files: Record<string, string | Buffer> = {
      'music/Beatles - Let It Be.mp3': 'let it be',
      'music/Beatles - Help.mp3': 'help!',
      'video/holiday.mkv': big,
      'docs/a.txt': 'same',
      'docs/b.txt': 'same',
    };
    for (let i = 0; i < 7; i++) files[`bulk/item-${i}.dat`] = `item ${i}`;
    peer = await startPeer({ id: 'cli-peer', files });
  });
  after(async () => {
    await peer?.stop();
  });

  const lines = (text: string): string[] => text.trimEnd().split('\n');

  describe('status', () => {
    it('prints the daemon id, addresses and counts', async () => {
      const r = await runP2pd(['status', '--addr', peer.grpcAddress]);
      expect(r.stderr).to.equal('');
      expect(r.code).to.equal(0);
      const out = r.stdout;
      expect(out).to.match(/^id\s+cli-peer$/m);
      expect(out).to.match(new RegExp(`^gRPC\\s+${peer.grpcAddress}$`, 'm'));
      expect(out).to.match(new RegExp(`^REST\\s+${peer.restUrl}$`, 'm'));
      expect(out).to.match(/^files\s+11 \(3\.5 MiB\)/m);
      expect(out).to.match(/^uptime\s+\S+/m);
      expect(out).to.match(/^NATS\s+disabled$/m);
      expect(out).to.match(new RegExp(`^log\\s+${join(peer.dir, 'p2pd.log')}$`, 'm'));
      expect(out).to.include(peer.shared);
    });

    it('prints the raw response with --json', async () => {
      const r = await runP2pd(['status', '--addr', peer.grpcAddress, '--json']);
      expect(r.code).to.equal(0);
      const s = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(s).to.include({ id: 'cli-peer', grpcAddress: peer.grpcAddress, files: 11 });
      expect(s.sharedDir).to.equal(peer.shared);
    });

    it('finds the daemon through --config (grpc.host/port; a wildcard host dials loopback)', async () => {
      const port = peer.grpcAddress.split(':')[1];
      const file = join(peer.dir, 'client.json');
      await writeFile(
        file,
        JSON.stringify({ sharedDir: './client-share', grpc: { host: '0.0.0.0', port: +port! } }),
      );
      const r = await runP2pd(['status', '--config', file]);
      expect(r.stderr).to.equal('');
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^id\s+cli-peer$/m);
      // --addr wins over the config
      const other = await freePort();
      const r2 = await runP2pd(['status', '--config', file, '--addr', `127.0.0.1:${other}`]);
      expect(r2.code).to.equal(1);
      expect(r2.stderr).to.include(`127.0.0.1:${other}`);
    });

    it('refuses a config it cannot use, naming the file and field (exit 2)', async () => {
      const zero = join(peer.dir, 'port-zero.json');
      await writeFile(zero, JSON.stringify({ sharedDir: './s', grpc: { port: 0 } }));
      const r = await runP2pd(['status', '--config', zero]);
      expect(r.code).to.equal(2);
      expect(lines(r.stderr)).to.have.length(1);
      expect(r.stderr).to.include(zero).and.include('grpc.port').and.include('--addr');
      const bad = join(peer.dir, 'bad.json');
      await writeFile(bad, JSON.stringify({ sharedDir: './s', grpc: { port: 'x' } }));
      const r2 = await runP2pd(['status', '--config', bad]);
      expect(r2.code).to.equal(2);
      expect(lines(r2.stderr)).to.have.length(1);
      expect(r2.stderr).to.include(bad).and.include('grpc.port');
    });
  });

  describe('files', () => {
    it('prints a table of name, human size and short sha256', async () => {
      const r = await runP2pd(['files', '--addr', peer.grpcAddress]);
      expect(r.stderr).to.equal('');
      expect(r.code).to.equal(0);
      const out = lines(r.stdout);
      expect(out[0]).to.match(/^NAME\s+SIZE\s+SHA256$/);
      expect(out).to.have.length(1 + 11 + 1);
      expect(out[1]).to.match(
        new RegExp(`^bulk/item-0\\.dat\\s+6 B\\s+${sha('item 0').slice(0, 12)}$`),
      );
      const holiday = out.find((l) => l.startsWith('video/holiday.mkv'))!;
      expect(holiday).to.match(new RegExp(`\\s3\\.5 MiB\\s+${sha(big).slice(0, 12)}$`));
      expect(out.find((l) => l.startsWith('docs/a.txt'))).to.include('(+1 more)');
      expect(out.at(-1)).to.equal('1-11 of 11 files');
    });

    it('matches keywords and pages with --limit and --offset', async () => {
      const r = await runP2pd(['files', 'beatles', 'let', '--addr', peer.grpcAddress]);
      expect(r.code).to.equal(0);
      expect(
        lines(r.stdout)
          .slice(1, -1)
          .map((l) => l.split(/\s{2,}/)[0]),
      ).to.deep.equal(['music/Beatles - Let It Be.mp3']);
      const page = await runP2pd([
        'files',
        'bulk',
        '--limit',
        '3',
        '--offset',
        '2',
        '--addr',
        peer.grpcAddress,
      ]);
      expect(page.code).to.equal(0);
      const rows = lines(page.stdout);
      expect(rows.slice(1, -1).map((l) => l.split(/\s+/)[0])).to.deep.equal([
        'bulk/item-2.dat',
        'bulk/item-3.dat',
        'bulk/item-4.dat',
      ]);
      expect(rows.at(-1)).to.equal('3-5 of 7 files');
      const none = await runP2pd(['files', 'nothing-here', '--addr', peer.grpcAddress]);
      expect(none.code).to.equal(0);
      expect(none.stdout.trim()).to.equal('no files');
    });

    it('prints the raw ListFiles response with --json', async () => {
      const r = await runP2pd(['files', 'holiday', '--json', '--addr', peer.grpcAddress]);
      expect(r.code).to.equal(0);
      const res = JSON.parse(r.stdout) as { total: number; files: Record<string, unknown>[] };
      expect(res.total).to.equal(1);
      expect(res.files[0]).to.deep.include({
        sha256: sha(big),
        names: ['video/holiday.mkv'],
        size: big.length,
      });
    });

    it('reports a gRPC error with its message and exit code 1', async () => {
      const r = await runP2pd(['files', '--limit', '5000', '--addr', peer.grpcAddress]);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(lines(r.stderr)).to.have.length(1);
      expect(r.stderr).to.match(/^p2pd: limit must be .*1000.*\(INVALID_ARGUMENT\)$/m);
    });

    it('refuses bad flags before calling (exit 2)', async () => {
      for (const args of [
        ['--limit', '0'],
        ['--limit', '2.5'],
        ['--offset', '-1'],
        ['--addr', 'no-port'],
        ['--timeout', '0'],
        ['--bogus'],
      ]) {
        const r = await runP2pd([
          'files',
          ...args,
          ...(args[0] === '--addr' ? [] : ['--addr', peer.grpcAddress]),
        ]);
        expect(r.code, args.join(' ')).to.equal(2);
        expect(lines(r.stderr), args.join(' ')).to.have.length(1);
      }
    });
  });

  describe('a mistyped command and a wrong port', () => {
    it('suggests the command it resembles', async () => {
      const r = await runP2pd(['stauts']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/Unknown argument: stauts; did you mean "status"\?/);
    });

    it('says so when --addr is the REST port', async () => {
      const peer = await startPeer({ id: 'wrong-port' });
      try {
        const r = await runP2pd(['status', '--addr', peer.restUrl.replace('http://', '')]);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/but not gRPC \(is that the REST port\?/);
      } finally {
        await peer.stop();
      }
    });
  });

  describe('an unreachable daemon', () => {
    it('gives one clear line and exit code 1', async () => {
      const port = await freePort();
      for (const cmd of ['status', 'files']) {
        const r = await runP2pd([cmd, '--addr', `127.0.0.1:${port}`]);
        expect(r.code).to.equal(1);
        expect(r.stdout).to.equal('');
        expect(r.stderr).to.equal(
          `p2pd: cannot reach the daemon at 127.0.0.1:${port} (is it running?)\n`,
        );
      }
    });

    it('gives up on a daemon that never answers at the deadline', async () => {
      const silent = await silentServer();
      try {
        const started = Date.now();
        const r = await runP2pd([
          'status',
          '--addr',
          `127.0.0.1:${silent.port}`,
          '--timeout',
          '800',
        ]);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.equal(
          `p2pd: the daemon at 127.0.0.1:${silent.port} did not answer within 800 ms\n`,
        );
        expect(Date.now() - started).to.be.lessThan(9000);
      } finally {
        await silent.close();
      }
    });
  });

  describe('--help', () => {
    it('documents every command and flag', async () => {
      const top = await runP2pd(['--help']);
      expect(top.code).to.equal(0);
      for (const word of [
        'status',
        'files [query..]',
        '--config',
        '--grpc-port',
        '--rest-port',
        '--shared-dir',
        '--bootstrap',
        '--id',
        'Exit codes',
      ]) {
        expect(top.stdout, word).to.include(word);
      }
      const common = ['--addr', '--config', '--token', '--timeout', '--json'];
      const status = await runP2pd(['status', '--help']);
      expect(status.code).to.equal(0);
      for (const flag of common) expect(status.stdout, flag).to.include(flag);
      const files = await runP2pd(['files', '--help']);
      expect(files.code).to.equal(0);
      for (const flag of [...common, '--limit', '--offset', 'query']) {
        expect(files.stdout, flag).to.include(flag);
      }
    });
  });
});
