// A share on a full disk: an upload that does not fit is 507, leaves no
// partial file, and the daemon goes on serving (a small file still fits).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expectProblem, getJson, scriptHttp as http } from '../fixtures/http.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { mountTmpfs, type Tmpfs } from '../fixtures/tmpfs.js';

/** Every file below dir, relative, but the daemon's own state (its temp files are checked apart). */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith('.p2pd/'));
}

describe('REST POST /api/v1/files on a full disk', function () {
  this.timeout(60_000);
  let disk: Tmpfs | undefined;
  let peer: TestPeer | undefined;

  beforeEach(async () => {
    disk = await mountTmpfs('1m');
  });
  afterEach(async () => {
    await peer?.stop();
    peer = undefined;
    await disk?.unmount();
    disk = undefined;
  });

  const cases = [
    // The temp file is written elsewhere; the copy onto the full disk fails.
    ['the data folder elsewhere', (): Record<string, unknown> => ({ sharedDir: disk!.dir })],
    // The temp file itself is on the full disk (the default data folder).
    [
      'the data folder in the share',
      (): Record<string, unknown> => ({ sharedDir: disk!.dir, dataDir: join(disk!.dir, '.p2pd') }),
    ],
  ] as const;

  for (const [label, config] of cases) {
    it(`answers 507 and keeps nothing, with ${label}`, async () => {
      peer = await startPeer({ config: config() });
      const url = `${peer.restUrl}/api/v1/files`;
      const before = await files(disk!.dir);

      const big = await http(`${url}?name=big.bin`, { method: 'POST', body: randomBytes(2 << 20) });
      const problem = await expectProblem(big, 507, 'NO_SPACE');
      expect(problem.title).to.equal('Insufficient storage');
      expect(problem.detail).to.include('big.bin');
      expect(problem.detail).to.not.include(tmpdir());

      const data = new FormData();
      data.append('file', new Blob([randomBytes(2 << 20)]), 'form.bin');
      await expectProblem(await http(url, { method: 'POST', body: data }), 507, 'NO_SPACE');

      expect(await files(disk!.dir)).to.deep.equal(before);
      expect(await files(join(peer.daemon.config.dataDir, 'tmp')).catch(() => [])).to.deep.equal(
        [],
      );
      const small = await http(`${url}?name=small.txt`, { method: 'POST', body: 'still fits' });
      expect(small.status).to.equal(201);
      await getJson(`${peer.restUrl}/api/v1/status`);
    });
  }
});
