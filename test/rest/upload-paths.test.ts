// Names that need folders, clash with what is there, or are too long: the
// answer is a 4xx that names no host path, and nothing is made outside the
// share or overwritten inside it.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { expectProblem, scriptHttp as http, type ProblemBody } from '../fixtures/http.js';

const KEEP = Buffer.from('never overwritten');

/** Every file and folder below dir, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

/** A problem with this status and code, whose detail names no absolute path. */
async function refused(res: Response, status: number, code: string): Promise<ProblemBody> {
  const body = await expectProblem(res, status, code);
  expect(body.detail).to.not.include(tmpdir());
  expect(body.detail).to.not.match(/(^|[\s'"(])\/[\w.-]+\//);
  return body;
}

describe('REST POST /api/v1/files: folders, clashes and long names', () => {
  let peer: TestPeer;
  let url: string;
  let outside: string;
  const raw = (name: string, body: Buffer | string = 'x'): Promise<Response> =>
    http(`${url}?name=${encodeURIComponent(name)}`, { method: 'POST', body });
  const form = (name: string | undefined, filename = 'f.bin', body = 'x'): Promise<Response> => {
    const data = new FormData();
    if (name !== undefined) data.append('name', name);
    data.append('file', new Blob([body]), filename);
    return http(url, { method: 'POST', body: data });
  };

  before(async () => {
    peer = await startPeer({
      files: { afile: KEEP, 'real/kept.txt': KEEP, 'folder/inside.txt': KEEP },
    });
    url = `${peer.restUrl}/api/v1/files`;
    outside = join(peer.dir, 'outside');
    await mkdir(outside);
    await symlink('../outside', join(peer.shared, 'linkout'));
    await symlink('real', join(peer.shared, 'linkin'));
    await symlink('../outside/not-there', join(peer.shared, 'dangling'));
  });
  after(() => peer?.stop());

  describe('refusals leave the share and the outside as they were', () => {
    let before: { share: string[]; outside: string[] };
    beforeEach(async () => {
      before = { share: await tree(peer.shared), outside: await tree(outside) };
    });
    afterEach(async () => {
      expect(await tree(peer.shared)).to.deep.equal(before.share);
      expect(await tree(outside)).to.deep.equal(before.outside);
      expect(await tree(join(peer.daemon.config.dataDir, 'tmp'))).to.deep.equal([]);
      expect(await readFile(join(peer.shared, 'afile'))).to.deep.equal(KEEP);
    });

    it('creates no folder through a link that leaves the share', async () => {
      await refused(await raw('linkout/newdir/x'), 400, 'INVALID_ARGUMENT');
      await refused(await form('linkout/newdir/deeper/x'), 400, 'INVALID_ARGUMENT');
      await refused(await raw('linkout/x'), 400, 'INVALID_ARGUMENT');
      expect(existsSync(join(outside, 'newdir'))).to.equal(false);
    });

    it('creates nothing through a broken link (409)', async () => {
      await refused(await raw('dangling/x'), 409, 'CONFLICT');
      expect(existsSync(join(outside, 'not-there'))).to.equal(false);
    });

    it('answers 409 when a file is where the name needs a folder', async () => {
      const problem = await refused(await raw('afile/x'), 409, 'CONFLICT');
      expect(problem.detail).to.include('"afile"');
      await refused(await raw('afile/deeper/x'), 409, 'CONFLICT');
      await refused(await form('afile/x'), 409, 'CONFLICT');
    });

    it('answers 414 for a ?name= too long, 413 for a name from the form', async () => {
      const part = 'p'.repeat(256);
      const deep = Array<string>(5).fill('q'.repeat(250)).join('/');
      await refused(await raw(part), 414, 'NAME_TOO_LONG');
      await refused(await raw(`dir/${part}.txt`), 414, 'NAME_TOO_LONG');
      await refused(await raw(deep), 414, 'NAME_TOO_LONG');
      await refused(await form(part), 413, 'TOO_LARGE');
      await refused(await form(deep), 413, 'TOO_LARGE');
      await refused(await form('n'.repeat(5000)), 413, 'TOO_LARGE'); // over the form's field limit
      await refused(await form(undefined, `${part}.bin`), 413, 'TOO_LARGE');
    });

    it('answers 400 for malformed multipart bodies, even ones cut short by the parser', async () => {
      const headers = { 'Content-Type': 'multipart/form-data; boundary=XYZ' };
      const post = (body: string) => http(url, { method: 'POST', headers, body });
      // A broken header before the file, with much more body to come: once a 499.
      await refused(
        await post(`--XYZ\r\n${'H'.repeat(100_000)}\r\n\r\n${'a'.repeat(300_000)}`),
        400,
        'INVALID_ARGUMENT',
      );
      const file = '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="m.bin"\r\n\r\n';
      await refused(
        await post(
          `${file}${'a'.repeat(300_000)}\r\n--XYZ\r\nno colon here\r\n\r\nz\r\n--XYZ--\r\n`,
        ),
        400,
        'INVALID_ARGUMENT',
      );
      await refused(await post(`garbage${'a'.repeat(300_000)}`), 400, 'INVALID_ARGUMENT');
      // The daemon is fine afterwards.
      expect((await http(`${peer.restUrl}/api/v1/status`)).status).to.equal(200);
    });
  });

  it('follows a link that stays inside the share, making the folders at its target', async () => {
    const res = await raw('linkin/sub/x.txt', 'through a link');
    expect(res.status).to.equal(201);
    const added = (await res.json()) as { name: string };
    expect(added.name).to.equal('real/sub/x.txt');
    expect(await readFile(join(peer.shared, 'real/sub/x.txt'), 'utf8')).to.equal('through a link');
  });

  it('gives a name taken by a folder " (n)", leaving the folder alone', async () => {
    const res = await raw('folder', 'a file named like a folder');
    expect(res.status).to.equal(201);
    expect(((await res.json()) as { name: string }).name).to.equal('folder (1)');
    expect(await readdir(join(peer.shared, 'folder'))).to.deep.equal(['inside.txt']);
  });

  it('fits " (n)" into a clashing 255-byte name by cutting its stem', async () => {
    const long = `${'é'.repeat(125)}.bin`; // 254 bytes
    const names: string[] = [];
    for (const body of ['one', 'two', 'three']) {
      const res = await raw(`long/${long}`, body);
      expect(res.status, await res.clone().text()).to.equal(201);
      names.push(((await res.json()) as { name: string }).name);
    }
    expect(names).to.deep.equal([
      `long/${long}`,
      `long/${'é'.repeat(123)} (1).bin`,
      `long/${'é'.repeat(123)} (2).bin`,
    ]);
    for (const [i, body] of ['one', 'two', 'three'].entries()) {
      expect(await readFile(join(peer.shared, names[i]!), 'utf8')).to.equal(body);
    }
  });

  it('answers an unexpected failure with 500 naming no path, and logs the path', async () => {
    // The temp folder is a file: the daemon cannot write anything, for a reason it did not expect.
    const tmp = join(peer.daemon.config.dataDir, 'tmp');
    await rm(tmp, { recursive: true, force: true });
    await writeFile(tmp, 'in the way');
    try {
      const problem = await refused(
        await raw(`x-${randomBytes(4).toString('hex')}`),
        500,
        'INTERNAL',
      );
      expect(problem.detail).to.equal(
        "an unexpected error (EEXIST); the daemon's log has the details",
      );
      expect(problem.detail).to.not.include(peer.dir);
      await waitFor(
        async () => (await readFile(join(peer.dir, 'p2pd.log'), 'utf8')).includes(tmp),
        {
          what: 'the path in the log',
        },
      );
    } finally {
      await rm(tmp, { force: true });
    }
  });
});
