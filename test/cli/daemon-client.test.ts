// The client-command plumbing: where the daemon is, how failures read, formatting.
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CliError,
  DEFAULT_ADDRESS,
  daemonTarget,
  describeCallError,
  type DaemonFlags,
} from '../../src/cli/daemon-client.js';
import { humanDuration, humanSize, table } from '../../src/cli/format.js';

describe('cli daemon-client', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const opts = (o: Partial<DaemonFlags>): DaemonFlags => ({ timeout: 5000, json: false, ...o });
  const config = async (name: string, grpc: Record<string, unknown>): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, JSON.stringify({ sharedDir: './share', grpc }));
    return file;
  };

  describe('daemonTarget', () => {
    it('defaults to 127.0.0.1:50051 without a token', () => {
      expect(daemonTarget(opts({}))).to.deep.equal({ address: DEFAULT_ADDRESS });
      expect(DEFAULT_ADDRESS).to.equal('127.0.0.1:50051');
    });

    it('takes host, port and token from --config; wildcard hosts dial loopback', async () => {
      const plain = await config('a.json', { host: '127.0.0.2', port: 6000, token: 'tok-tok-tok' });
      expect(daemonTarget(opts({ config: plain }))).to.deep.equal({
        address: '127.0.0.2:6000',
        token: 'tok-tok-tok',
      });
      for (const host of ['0.0.0.0', '::']) {
        const wild = await config(`w${host.length}.json`, { host, port: 6001 });
        expect(daemonTarget(opts({ config: wild })).address).to.equal('127.0.0.1:6001');
      }
      const v6 = await config('v6.json', { host: '::1', port: 6002 });
      expect(daemonTarget(opts({ config: v6 })).address).to.equal('[::1]:6002');
    });

    it('lets --addr and --token win over the config', async () => {
      const file = await config('b.json', { host: '127.0.0.1', port: 6000, token: 'from-config' });
      expect(
        daemonTarget(opts({ config: file, addr: '127.0.0.9:7', token: 'from-flag!' })),
      ).to.deep.equal({ address: '127.0.0.9:7', token: 'from-flag!' });
    });

    it('refuses a config with grpc.port 0 or a config error, exit code 2', async () => {
      const zero = await config('z.json', { port: 0 });
      for (const file of [zero, join(dir, 'missing.json')]) {
        try {
          daemonTarget(opts({ config: file }));
          expect.fail('expected a CliError');
        } catch (err) {
          expect(err).to.be.instanceOf(CliError);
          expect((err as CliError).exitCode).to.equal(2);
          expect((err as CliError).message).to.include(file);
        }
      }
    });
  });

  describe('describeCallError', () => {
    const failure = (code: GrpcStatus, details: string, fromDaemon = false) => {
      const metadata = new Metadata();
      if (fromDaemon) metadata.set('p2p-error', 'SomeError');
      return Object.assign(new Error(details), { code, details, metadata });
    };

    it('tells an unreachable daemon from one that said UNAVAILABLE itself', () => {
      expect(
        describeCallError(failure(GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED'), 'h:1', 5000),
      ).to.equal('cannot reach the daemon at h:1 (is it running?)');
      expect(
        describeCallError(failure(GrpcStatus.UNAVAILABLE, 'no peers', true), 'h:1', 5000),
      ).to.equal('no peers (UNAVAILABLE)');
    });

    it('names the deadline, and passes other statuses through', () => {
      expect(describeCallError(failure(GrpcStatus.DEADLINE_EXCEEDED, 'x'), 'h:1', 250)).to.equal(
        'the daemon at h:1 did not answer within 250 ms',
      );
      expect(
        describeCallError(
          failure(GrpcStatus.UNAUTHENTICATED, 'a valid token is required', true),
          'h:1',
          1,
        ),
      ).to.equal('a valid token is required (UNAUTHENTICATED)');
      expect(describeCallError(new CliError('plain'), 'h:1', 1)).to.equal('plain');
    });
  });

  describe('format', () => {
    it('humanSize', () => {
      expect([0, 1023, 1024, 1536, 3.5 * 1024 ** 2, 5 * 1024 ** 4].map(humanSize)).to.deep.equal([
        '0 B',
        '1023 B',
        '1.0 KiB',
        '1.5 KiB',
        '3.5 MiB',
        '5.0 TiB',
      ]);
    });

    it('humanDuration', () => {
      expect(
        [12, 4000, 64_000, 2 * 3600_000 + 60_000, 26 * 3600_000].map(humanDuration),
      ).to.deep.equal(['12 ms', '4s', '1m 04s', '2h 01m', '1d 02h']);
    });

    it('table pads columns, right-aligns where asked, and leaves the last column unpadded', () => {
      const out = table(
        [
          { n: 'a', s: 1 },
          { n: 'longer', s: 12345 },
        ],
        [
          { title: 'NAME', value: (r) => r.n },
          { title: 'SIZE', value: (r) => String(r.s), align: 'right' },
          { title: 'X', value: (r) => (r.s > 9 ? 'yes' : '') },
        ],
      );
      expect(out.split('\n')).to.deep.equal([
        'NAME     SIZE  X',
        'a           1',
        'longer  12345  yes',
      ]);
    });
  });
});
