import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { request } from 'node:http';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import {
  chunkHashes,
  expectProblem,
  getJson,
  scriptHttp as http,
  SCRIPT,
  sha256,
} from '../fixtures/http.js';

const CHUNK = 16384;
const ORIGINAL = Buffer.from('the original, never overwritten');

/** Every file below dir, as relative paths (missing dir: none). */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

interface Added {
  name: string;
  file: { sha256: string; names: string[]; size: number; chunkHashes: string[] };
}

function form(parts: [string, string | Blob, string?][]): FormData {
  const data = new FormData();
  for (const [field, value, filename] of parts) {
    if (typeof value === 'string') data.append(field, value);
    else data.append(field, value, filename);
  }
  return data;
}

describe('REST POST /api/v1/files', () => {
  let peer: TestPeer;
  let url: string;
  const post = (body: RequestInit['body'], query = ''): Promise<Response> =>
    http(`${url}${query}`, { method: 'POST', body });

  /** The stored file is in the share with these bytes and in the index under its hash. */
  async function expectStored(added: Added, data: Buffer): Promise<void> {
    expect(added.file.sha256).to.equal(sha256(data));
    expect(added.file.size).to.equal(data.length);
    expect(added.file.chunkHashes).to.deep.equal(chunkHashes(data, CHUNK));
    expect((await readFile(join(peer.shared, added.name))).equals(data)).to.equal(true);
    const indexed = await getJson<Added['file']>(`${url}/${added.file.sha256}`);
    expect(indexed.names).to.include(added.name);
    expect(indexed.chunkHashes).to.deep.equal(added.file.chunkHashes);
  }

  before(async () => {
    peer = await startPeer({
      files: { 'a.txt': ORIGINAL },
      config: { index: { chunkSize: CHUNK } },
    });
    url = `${peer.restUrl}/api/v1/files`;
  });
  after(() => peer?.stop());

  it('stores a raw body under ?name= and indexes it', async () => {
    const data = randomBytes(CHUNK * 2 + 77);
    const res = await post(data, '?name=uploads/raw%20one.bin');
    expect(res.status).to.equal(201);
    const added = (await res.json()) as Added;
    expect(added.name).to.equal('uploads/raw one.bin');
    expect(res.headers.get('location')).to.equal(`/api/v1/files/${sha256(data)}`);
    await expectStored(added, data);
  });

  it('stores a multipart file under its filename', async () => {
    const data = randomBytes(40_000);
    const res = await post(form([['file', new Blob([data]), 'multi.bin']]));
    expect(res.status).to.equal(201);
    const added = (await res.json()) as Added;
    expect(added.name).to.equal('multi.bin');
    await expectStored(added, data);
  });

  it('stores a multipart file under a name field sent before it, or under ?name=', async () => {
    const one = randomBytes(1000);
    const res = await post(
      form([
        ['name', 'forms/named.bin'],
        ['file', new Blob([one]), 'ignored.bin'],
      ]),
    );
    expect(res.status).to.equal(201);
    const added = (await res.json()) as Added;
    expect(added.name).to.equal('forms/named.bin');
    await expectStored(added, one);
    const two = randomBytes(1000);
    const res2 = await post(form([['file', new Blob([two]), 'ignored.bin']]), '?name=forms/q.bin');
    expect(res2.status).to.equal(201);
    await expectStored((await res2.json()) as Added, two);
  });

  it('stores an empty file', async () => {
    const res = await post(Buffer.alloc(0), '?name=empty.txt');
    expect(res.status).to.equal(201);
    await expectStored((await res.json()) as Added, Buffer.alloc(0));
  });

  it('gives a taken name a distinct one and leaves the original untouched', async () => {
    const first = Buffer.from('first clash');
    const second = Buffer.from('second clash');
    const r1 = await post(first, '?name=a.txt');
    const r2 = await post(form([['file', new Blob([second]), 'a.txt']]));
    const names = [((await r1.json()) as Added).name, ((await r2.json()) as Added).name];
    expect(names).to.deep.equal(['a (1).txt', 'a (2).txt']);
    expect(await readFile(join(peer.shared, 'a.txt'))).to.deep.equal(ORIGINAL);
    expect(await readFile(join(peer.shared, 'a (1).txt'))).to.deep.equal(first);
    expect(await readFile(join(peer.shared, 'a (2).txt'))).to.deep.equal(second);
    const original = await getJson<Added['file']>(`${url}/${sha256(ORIGINAL)}`);
    expect(original.names).to.deep.equal(['a.txt']);
  });

  it('answers the same bytes under the same name with the file already there, not a copy', async () => {
    const bytes = randomBytes(3000);
    const first = await post(bytes, '?name=again/same.bin');
    expect(first.status).to.equal(201);
    const added = (await first.json()) as Added;
    for (const body of [bytes, form([['file', new Blob([bytes]), 'same.bin']])]) {
      const again = await post(body, '?name=again/same.bin');
      expect(again.status, 'nothing new was stored').to.equal(200);
      expect(again.headers.get('location')).to.equal(null);
      expect(((await again.json()) as Added).name).to.equal('again/same.bin');
    }
    expect(await readdir(join(peer.shared, 'again'))).to.deep.equal(['same.bin']);
    // Other bytes under that name still get a name of their own.
    const other = await post(Buffer.from('other bytes'), '?name=again/same.bin');
    expect(other.status).to.equal(201);
    expect(((await other.json()) as Added).name).to.equal('again/same (1).bin');
    expect(added.file.sha256).to.equal(sha256(bytes));
  });

  describe('refusals leave nothing behind', () => {
    let before: { share: string[]; dir: string[] };
    const tmpTree = (): Promise<string[]> => tree(join(peer.daemon.config.dataDir, 'tmp'));

    beforeEach(async () => {
      before = { share: await tree(peer.shared), dir: await tree(peer.dir) };
    });
    afterEach(async () => {
      expect(await tree(peer.shared)).to.deep.equal(before.share);
      expect(await tmpTree()).to.deep.equal([]);
      // The log file grows; nothing else may appear anywhere in the peer's folder.
      const dirNow = (await tree(peer.dir)).filter((f) => f !== 'p2pd.log');
      expect(dirNow).to.deep.equal(before.dir.filter((f) => f !== 'p2pd.log'));
      await getJson(`${peer.restUrl}/api/v1/status`);
    });

    const evil = `evil-${randomBytes(6).toString('hex')}`;
    const badNames: [string, string][] = [
      ['../x', `../${evil}`],
      ['a/../../x', `a/../../${evil}`],
      ['../../x', `../../${evil}`],
      ['/etc/passwd', '/etc/passwd'],
      ['an absolute temp path', join(tmpdir(), evil)],
      ['a NUL byte', `${evil}\0.txt`],
      ['a control character', `${evil}\n.txt`],
      ['a temp-file name', `${evil}.part`],
      ['a backslash', `..\\${evil}`],
      ['only dots and slashes', './/.'],
    ];

    for (const [label, name] of badNames) {
      it(`refuses ${label} with 400, raw and multipart`, async () => {
        const passwd = await stat('/etc/passwd');
        const raw = await post(Buffer.from('x'), `?name=${encodeURIComponent(name)}`);
        await expectProblem(raw, 400, 'INVALID_ARGUMENT');
        const multi = await post(
          form([
            ['name', name],
            ['file', new Blob(['x']), 'f.bin'],
          ]),
        );
        await expectProblem(multi, 400, 'INVALID_ARGUMENT');
        for (const dir of [peer.dir, join(peer.dir, '..'), join(peer.dir, '../..')]) {
          expect(existsSync(join(dir, evil)), dir).to.equal(false);
        }
        expect((await stat('/etc/passwd')).mtimeMs).to.equal(passwd.mtimeMs);
      });
    }

    it('refuses a percent-encoded traversal in the query string', async () => {
      await expectProblem(await post(Buffer.from('x'), `?name=%2e%2e/${evil}`), 400);
      await expectProblem(await post(Buffer.from('x'), `?name=%2E%2E%2F${evil}`), 400);
      expect(existsSync(join(peer.dir, evil))).to.equal(false);
    });

    it('refuses a raw body without ?name=', async () => {
      const problem = await expectProblem(await post(Buffer.from('x')), 400);
      expect(problem.detail).to.include('name');
    });

    it('refuses a form without a file part, with two files, or a name after the file', async () => {
      await expectProblem(await post(form([['name', 'lonely.txt']])), 400);
      await expectProblem(
        await post(
          form([
            ['file', new Blob(['one']), 'one.txt'],
            ['file', new Blob(['two']), 'two.txt'],
          ]),
        ),
        400,
      );
      const late = await post(
        form([
          ['file', new Blob(['late']), 'late.txt'],
          ['name', 'other.txt'],
        ]),
      );
      expect((await expectProblem(late, 400)).detail).to.include('name');
    });

    it('refuses a malformed multipart body', async () => {
      const headers = { 'Content-Type': 'multipart/form-data; boundary=XYZ' };
      const cut =
        '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n\r\npartial';
      await expectProblem(await http(url, { method: 'POST', headers, body: cut }), 400);
      await expectProblem(
        await http(url, {
          method: 'POST',
          headers: { 'Content-Type': 'multipart/form-data' },
          body: 'x',
        }),
        400,
      );
    });
  });
});

describe('REST POST /api/v1/files over the size limit', () => {
  let peer: TestPeer;
  let url: string;
  const LIMIT = 1000;

  before(async () => {
    peer = await startPeer({ config: { rest: { maxUploadBytes: LIMIT } } });
    url = `${peer.restUrl}/api/v1/files`;
  });
  after(() => peer?.stop());
  afterEach(async () => {
    expect(await tree(peer.shared)).to.deep.equal(
      (await tree(peer.shared)).filter((f) => f.startsWith('fits')),
    );
    expect(await tree(join(peer.daemon.config.dataDir, 'tmp'))).to.deep.equal([]);
    await getJson(`${peer.restUrl}/api/v1/status`);
  });

  it('accepts exactly the limit', async () => {
    const res = await http(`${url}?name=fits.bin`, { method: 'POST', body: randomBytes(LIMIT) });
    expect(res.status).to.equal(201);
  });

  it('refuses a raw body whose Content-Length is over the limit with 413', async () => {
    const res = await http(`${url}?name=big.bin`, { method: 'POST', body: randomBytes(LIMIT + 1) });
    await expectProblem(res, 413, 'TOO_LARGE');
  });

  it('refuses a large raw body up front (1 MiB over a 1000-byte limit)', async () => {
    const res = await http(`${url}?name=big.bin`, { method: 'POST', body: randomBytes(1 << 20) });
    await expectProblem(res, 413, 'TOO_LARGE');
  });

  it('refuses a streamed body (no Content-Length) once it passes the limit', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 20 * LIMIT) return controller.close();
        sent += 500;
        controller.enqueue(randomBytes(500));
      },
    });
    const res = await http(`${url}?name=stream.bin`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    await expectProblem(res, 413, 'TOO_LARGE');
  });

  it('answers Expect: 100-continue with 413 before the body is sent, and 100 when it fits', async () => {
    const { port } = new URL(peer.restUrl);
    const send = (path: string, body: Buffer) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = request({
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          headers: { ...SCRIPT, 'Content-Length': String(body.length), Expect: '100-continue' },
          timeout: 10_000,
        });
        req.on('continue', () => {
          continued = true;
          req.end(body);
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, continued }));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.flushHeaders();
      });
    expect(await send('/api/v1/files?name=huge.bin', randomBytes(10 * LIMIT))).to.deep.equal({
      status: 413,
      continued: false,
    });
    expect(await send('/api/v1/files?name=../bad.bin', randomBytes(10))).to.deep.equal({
      status: 400,
      continued: false,
    });
    expect(await send('/api/v1/files?name=fits-continued.bin', randomBytes(10))).to.deep.equal({
      status: 201,
      continued: true,
    });
  });

  it('refuses a multipart file over the limit with 413', async () => {
    const data = new FormData();
    data.append('file', new Blob([randomBytes(LIMIT * 5)]), 'big.bin');
    await expectProblem(await http(url, { method: 'POST', body: data }), 413, 'TOO_LARGE');
  });
});

describe('REST POST /api/v1/files when the client hangs up', () => {
  let peer: TestPeer;

  before(async () => {
    peer = await startPeer({ config: { log: { level: 'debug' } } });
  });
  after(() => peer?.stop());

  /** How many requests the REST facade has answered with an error (it logs each once done). */
  async function refused(): Promise<number> {
    const log = await readFile(join(peer.dir, 'p2pd.log'), 'utf8').catch(() => '');
    return log.split('\n').filter((line) => line.includes('"msg":"request refused"')).length;
  }

  /** Sends headers and part of a body, then cuts the connection. */
  async function cutUpload(path: string, headers: Record<string, string>, part: Buffer) {
    const { port } = new URL(peer.restUrl);
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { ...SCRIPT, ...headers },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(part, () => setImmediate(() => req.destroy()));
    });
  }

  it('leaves nothing in the share or the temp folder, and keeps serving', async () => {
    await cutUpload(
      '/api/v1/files?name=cut.bin',
      { 'Content-Length': '100000', 'Content-Type': 'application/octet-stream' },
      randomBytes(30_000),
    );
    const head = '--B\r\nContent-Disposition: form-data; name="file"; filename="cut2.bin"\r\n\r\n';
    await cutUpload(
      '/api/v1/files',
      { 'Content-Length': '100000', 'Content-Type': 'multipart/form-data; boundary=B' },
      Buffer.concat([Buffer.from(head), randomBytes(30_000)]),
    );
    await waitFor(async () => (await refused()) >= 2, { what: 'both uploads given up' });
    expect(await tree(join(peer.daemon.config.dataDir, 'tmp'))).to.deep.equal([]);
    expect(await tree(peer.shared)).to.deep.equal([]);
    await getJson(`${peer.restUrl}/api/v1/status`);
    expect(
      (await getJson<{ files: unknown[] }>(`${peer.restUrl}/api/v1/files`)).files,
    ).to.deep.equal([]);
  });
});
