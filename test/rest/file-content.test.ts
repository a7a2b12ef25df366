import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { chunkHashes, expectProblem, getJson, http, sha256 } from '../fixtures/http.js';

const CHUNK = 16384;
const DATA = randomBytes(CHUNK * 3 + 1234);
const BIG = randomBytes(8 * 1024 * 1024);
const TEXT = Buffer.from('plain text, of course\n');
const HASH = sha256(DATA);
const UNKNOWN = 'f'.repeat(64);

describe('REST file metadata and content', () => {
  let peer: TestPeer;
  let base: string;
  const content = (init?: RequestInit, hash = HASH): Promise<Response> =>
    http(`${base}/${hash}/content`, init);
  const range = (value: string): Promise<Response> => content({ headers: { Range: value } });
  const bytes = async (res: Response): Promise<Buffer> => Buffer.from(await res.arrayBuffer());

  before(async () => {
    peer = await startPeer({
      files: { 'data/blob.bin': DATA, 'big.bin': BIG, 'Grüße "quoted".txt': TEXT, 'empty.dat': '' },
      config: { index: { chunkSize: CHUNK } },
    });
    base = `${peer.restUrl}/api/v1/files`;
  });
  after(() => peer?.stop());

  describe('GET /api/v1/files/:sha256', () => {
    it('returns the metadata with chunk hashes equal to an independent computation', async () => {
      const file = await getJson(`${base}/${HASH}`);
      expect(file).to.deep.equal({
        sha256: HASH,
        names: ['data/blob.bin'],
        size: DATA.length,
        mtimeMs: file.mtimeMs,
        chunkSize: CHUNK,
        chunkHashes: chunkHashes(DATA, CHUNK),
      });
      expect(file.chunkHashes).to.have.length(4);
    });

    it('accepts an uppercase hash', async () => {
      expect((await getJson(`${base}/${HASH.toUpperCase()}`)).sha256).to.equal(HASH);
    });

    it('answers an unknown hash with 404 and a malformed one with 400', async () => {
      await expectProblem(await http(`${base}/${UNKNOWN}`), 404, 'NOT_FOUND');
      for (const bad of ['abc', 'g'.repeat(64), `${HASH}0`, '..%2F..%2Fetc%2Fpasswd']) {
        const problem = await expectProblem(await http(`${base}/${bad}`), 400, 'INVALID_ARGUMENT');
        expect(problem.detail).to.include('sha256');
      }
    });
  });

  describe('GET /api/v1/files/:sha256/content', () => {
    it('sends the whole file with its headers', async () => {
      const res = await content();
      expect(res.status).to.equal(200);
      expect((await bytes(res)).equals(DATA)).to.equal(true);
      expect(res.headers.get('content-length')).to.equal(String(DATA.length));
      expect(res.headers.get('etag')).to.equal(`"${HASH}"`);
      expect(res.headers.get('accept-ranges')).to.equal('bytes');
      expect(res.headers.get('content-type')).to.equal('application/octet-stream');
      expect(res.headers.get('content-disposition')).to.include('filename="blob.bin"');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    });

    it('types content by extension and names non-ASCII files exactly', async () => {
      const res = await content(undefined, sha256(TEXT));
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      expect(res.headers.get('content-disposition')).to.equal(
        `inline; filename="Gr__e _quoted_.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22quoted%22.txt`,
      );
      expect((await bytes(res)).equals(TEXT)).to.equal(true);
    });

    it('sends an empty file', async () => {
      const res = await content(undefined, sha256(Buffer.alloc(0)));
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-length')).to.equal('0');
      expect((await bytes(res)).length).to.equal(0);
    });

    const size = DATA.length;
    for (const [header, start, end] of [
      ['bytes=0-0', 0, 0],
      ['bytes=10-', 10, size - 1],
      ['bytes=-5', size - 5, size - 1],
      ['bytes=16380-32800', 16380, 32800],
      ['bytes=100-999999999', 100, size - 1],
      [`bytes=-${size + 100}`, 0, size - 1],
      ['BYTES = 7-8', 7, 8],
    ] as const) {
      it(`answers Range: ${header} with 206 and exactly those bytes`, async () => {
        const res = await range(header);
        expect(res.status).to.equal(206);
        expect(res.headers.get('content-range')).to.equal(`bytes ${start}-${end}/${size}`);
        expect(res.headers.get('content-length')).to.equal(String(end - start + 1));
        expect((await bytes(res)).equals(DATA.subarray(start, end + 1))).to.equal(true);
      });
    }

    for (const header of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      it(`answers an unsatisfiable Range: ${header} with 416 and bytes */size`, async () => {
        const res = await range(header);
        expect(res.headers.get('content-range')).to.equal(`bytes */${size}`);
        await expectProblem(res, 416, 'RANGE_NOT_SATISFIABLE');
      });
    }

    for (const header of ['bytes=0-1,5-6', 'bytes=5-2', 'bytes=abc', 'items=0-1', 'bytes=']) {
      it(`answers the whole file for Range: ${header} (several, invalid or foreign ranges)`, async () => {
        const res = await range(header);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-range')).to.equal(null);
        expect((await bytes(res)).equals(DATA)).to.equal(true);
      });
    }

    it('answers If-None-Match with the ETag by 304 and no body', async () => {
      for (const tag of [`"${HASH}"`, `W/"${HASH}"`, `"other", "${HASH}"`, '*']) {
        const res = await content({ headers: { 'If-None-Match': tag } });
        expect(res.status, tag).to.equal(304);
        expect(res.headers.get('etag')).to.equal(`"${HASH}"`);
        expect((await bytes(res)).length).to.equal(0);
      }
      const stale = await content({ headers: { 'If-None-Match': `"${UNKNOWN}"` } });
      expect(stale.status).to.equal(200);
      expect((await bytes(stale)).equals(DATA)).to.equal(true);
    });

    it('applies a Range only when If-Range carries the current ETag', async () => {
      const current = await content({ headers: { Range: 'bytes=0-9', 'If-Range': `"${HASH}"` } });
      expect(current.status).to.equal(206);
      expect((await bytes(current)).equals(DATA.subarray(0, 10))).to.equal(true);
      const old = await content({ headers: { Range: 'bytes=0-9', 'If-Range': `"${UNKNOWN}"` } });
      expect(old.status).to.equal(200);
      expect((await bytes(old)).equals(DATA)).to.equal(true);
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      const head = await content({ method: 'HEAD' });
      expect(head.status).to.equal(200);
      expect(head.headers.get('content-length')).to.equal(String(size));
      expect(head.headers.get('etag')).to.equal(`"${HASH}"`);
      expect((await bytes(head)).length).to.equal(0);
      const partial = await content({ method: 'HEAD', headers: { Range: 'bytes=-5' } });
      expect(partial.status).to.equal(206);
      expect(partial.headers.get('content-length')).to.equal('5');
      expect(partial.headers.get('content-range')).to.equal(
        `bytes ${size - 5}-${size - 1}/${size}`,
      );
    });

    it('answers an unknown hash with 404 and a malformed one with 400', async () => {
      await expectProblem(await content(undefined, UNKNOWN), 404, 'NOT_FOUND');
      await expectProblem(await content(undefined, 'xyz'), 400, 'INVALID_ARGUMENT');
    });

    it('stays up when a client hangs up mid-download', async () => {
      const controller = new AbortController();
      const res = await content({ signal: controller.signal }, sha256(BIG));
      const reader = res.body!.getReader();
      expect((await reader.read()).done).to.equal(false);
      controller.abort();
      const again = await content(undefined, sha256(BIG));
      expect((await bytes(again)).equals(BIG)).to.equal(true);
      expect((await bytes(await content())).equals(DATA)).to.equal(true);
    });
  });
});

describe('REST content of a file removed behind the index', () => {
  let peer: TestPeer;

  before(async () => {
    peer = await startPeer({
      files: { 'gone.txt': 'soon gone' },
      config: { index: { watch: false, rescanIntervalMs: 0 } },
    });
  });
  after(() => peer?.stop());

  it('answers 404 with a plain problem, no file headers', async () => {
    await rm(join(peer.shared, 'gone.txt'));
    const url = `${peer.restUrl}/api/v1/files/${sha256(Buffer.from('soon gone'))}/content`;
    const res = await http(url, { headers: { Range: 'bytes=0-3' } });
    expect(res.headers.get('content-disposition')).to.equal(null);
    expect(res.headers.get('content-range')).to.equal(null);
    await expectProblem(res, 404, 'NOT_FOUND');
    await getJson(`${peer.restUrl}/api/v1/status`);
  });
});
