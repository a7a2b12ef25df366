// `p2pd get` and `p2pd push`: the real binary against real daemons.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { runP2pd } from '../fixtures/spawn.js';
import { progressLine } from '../../src/cli/transfer-progress.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('cli transfer commands', function () {
  this.timeout(60_000);
  const content = randomBytes(3 * 1024 * 1024 + 17);
  let source: TestPeer;
  let fetcher: TestPeer;

  beforeEach(async () => {
    source = await startPeer({ id: 'src', files: { 'album/track.flac': content } });
    fetcher = await startPeer({ id: 'dst', config: { upload: { maxFileBytes: 1024 } } });
  });
  afterEach(async () => {
    await Promise.all([source?.stop(), fetcher?.stop()]);
  });

  describe('get', () => {
    it('fetches by sha256 from --from, prints where the file landed, exits 0', async () => {
      const r = await runP2pd(
        ['get', sha(content), '--from', source.grpcAddress, '--addr', fetcher.grpcAddress],
        30_000,
      );
      expect(r.code, r.stderr).to.equal(0);
      const target = join(fetcher.shared, 'track.flac');
      expect(r.stdout).to.include(`to ${target}`);
      expect(r.stdout).to.include(`${source.grpcAddress}: `);
      expect((await readFile(target)).equals(content)).to.equal(true);
    });

    it('prints the final progress as JSON with --json', async () => {
      const r = await runP2pd([
        'get',
        sha(content),
        '--from',
        source.grpcAddress,
        '--addr',
        fetcher.grpcAddress,
        '--json',
      ]);
      expect(r.code, r.stderr).to.equal(0);
      const last = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(last).to.include({ state: 'completed', kind: 'fetch', sha256: sha(content) });
    });

    it('exits 1 with the reason when the fetch fails', async () => {
      const missing = sha(Buffer.from('nobody has this'));
      const r = await runP2pd([
        'get',
        missing,
        '--from',
        source.grpcAddress,
        '--addr',
        fetcher.grpcAddress,
      ]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/does not have the file/);
      expect(r.stdout).to.equal('');
    });

    it('exits 1 and says why when no peer on the network has the file', async () => {
      const r = await runP2pd(['get', sha(Buffer.from('nobody')), '--addr', fetcher.grpcAddress]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/no peer on the network has sha256/);
    });

    it('refuses a malformed --from with exit code 2', async () => {
      const r = await runP2pd([
        'get',
        sha(content),
        '--from',
        'nowhere',
        '--addr',
        fetcher.grpcAddress,
      ]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/--from must be host:port/);
    });
  });

  describe('push', () => {
    it('pushes a file given by its path in the share, exits 0', async () => {
      const receiver = await startPeer({ id: 'rcv' });
      try {
        const r = await runP2pd([
          'push',
          join(source.shared, 'album', 'track.flac'),
          '--to',
          receiver.grpcAddress,
          '--addr',
          source.grpcAddress,
        ]);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.match(/stored as incoming\/track\.flac/);
        expect((await readFile(join(receiver.shared, 'incoming', 'track.flac'))).equals(content)).to
          .be.true;
      } finally {
        await receiver.stop();
      }
    });

    it('pushes by sha256 and exits 1 when the receiver refuses', async () => {
      const r = await runP2pd([
        'push',
        sha(content),
        '--to',
        fetcher.grpcAddress,
        '--addr',
        source.grpcAddress,
      ]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/exceeds the limit.*RESOURCE_EXHAUSTED/);
    });

    it('refuses a local file outside the daemon share with exit code 2', async () => {
      const r = await runP2pd([
        'push',
        join(fetcher.dir, 'p2pd.log'),
        '--to',
        fetcher.grpcAddress,
        '--addr',
        source.grpcAddress,
      ]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/not in the daemon's shared folder/);
    });
  });
});

describe('cli transfer progress line', () => {
  const base = {
    id: 'f-1',
    kind: 'fetch',
    state: 'running',
    sha256: 'a'.repeat(64),
    name: 'x.bin',
    size: 4 * 1024 * 1024,
    bytesDone: 1024 * 1024,
    rateBps: 512 * 1024,
    etaMs: 6000,
    sources: [
      {
        peerId: '',
        address: 'a:1',
        bytes: 0,
        chunks: 0,
        failed: false,
        uploadedBytes: 0,
        partial: false,
      },
      {
        peerId: '',
        address: 'b:1',
        bytes: 0,
        chunks: 0,
        failed: true,
        uploadedBytes: 0,
        partial: true,
      },
    ],
    error: '',
    path: '',
    peer: '',
    note: '',
    startedAtMs: 0,
    finishedAtMs: 0,
  };

  it('draws a bar on a terminal and plain figures otherwise', () => {
    expect(progressLine(base, true)).to.equal(
      '[######------------------]   25%  1.0 MiB / 4.0 MiB  512.0 KiB/s  ETA 6s  1 source',
    );
    expect(progressLine(base, false)).to.equal(
      ' 25%  1.0 MiB / 4.0 MiB  512.0 KiB/s  ETA 6s  1 source',
    );
    expect(progressLine({ ...base, state: 'completed', bytesDone: base.size }, false)).to.equal(
      '100%  4.0 MiB / 4.0 MiB  1 source  completed',
    );
  });
});
