// The daemon's own folder (<share>/.p2pd) is never shared: not by name, not
// through a link into it, and no upload can write into it.
import { expect } from 'chai';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectProblem, getJson, scriptHttp as http } from '../fixtures/http.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';

describe('index: the data folder inside the share', () => {
  let share: string;
  let peer: TestPeer | undefined;

  before(async () => {
    share = await mkdtemp(join(tmpdir(), 'p2pd-own-share-'));
    await writeFile(join(share, 'notes.txt'), 'shared');
    await mkdir(join(share, '.p2pd', 'partial'), { recursive: true });
    await writeFile(join(share, '.p2pd', 'partial', 'planted.json'), '{}');
    await symlink('.p2pd/partial/planted.json', join(share, 'planted-link.json'));
    await symlink('notes.txt', join(share, 'notes-link.txt'));
    peer = await startPeer({
      config: { sharedDir: share, dataDir: join(share, '.p2pd'), index: { watch: false } },
    });
  });
  after(async () => {
    await peer?.stop();
    await rm(share, { recursive: true, force: true });
  });

  it('shares no file of .p2pd, even through a link to it', async () => {
    const { files } = await getJson<{ files: { names: string[] }[] }>(
      `${peer!.restUrl}/api/v1/files`,
    );
    expect(files.flatMap((f) => f.names).sort()).to.deep.equal(['notes-link.txt', 'notes.txt']);
    expect(await peer!.daemon.index.indexPath('planted-link.json')).to.equal(undefined);
  });

  it('refuses an upload into .p2pd', async () => {
    const name = encodeURIComponent(`.p2pd/partial/${'a'.repeat(64)}.json`);
    const res = await http(`${peer!.restUrl}/api/v1/files?name=${name}`, {
      method: 'POST',
      body: '{}',
    });
    await expectProblem(res, 400, 'INVALID_ARGUMENT');
  });
});
