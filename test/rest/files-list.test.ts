import { expect } from 'chai';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { expectProblem, getJson, http } from '../fixtures/http.js';

interface FileList {
  files: { sha256: string; names: string[]; size: number; chunkHashes?: unknown }[];
  total: number;
  limit: number;
  offset: number;
}

const FILES = {
  'music/Beatles - Yesterday.mp3': 'yesterday, all my troubles',
  'music/Beatles - Help.mp3': 'help, I need somebody',
  'music/Queen - Bohemian Rhapsody.mp3': 'is this the real life',
  'docs/Résumé 2024.txt': 'curriculum',
  'docs/report-2024.pdf': 'quarterly numbers',
  'notes.txt': 'remember the milk',
  'zeta/last.bin': 'z',
};

describe('REST GET /api/v1/files', () => {
  let peer: TestPeer;
  const list = (query = ''): Promise<FileList> =>
    getJson<FileList>(`${peer.restUrl}/api/v1/files${query}`);

  before(async () => {
    peer = await startPeer({ files: FILES });
  });
  after(() => peer?.stop());

  it('lists every file sorted by name, without chunk hashes', async () => {
    const page = await list();
    expect(page.total).to.equal(7);
    expect(page.limit).to.equal(50);
    expect(page.offset).to.equal(0);
    const names = page.files.map((f) => f.names[0]);
    expect(names).to.deep.equal(Object.keys(FILES).sort());
    for (const file of page.files) {
      expect(file).to.have.all.keys('sha256', 'names', 'size', 'mtimeMs', 'chunkSize');
      expect(file.sha256).to.match(/^[0-9a-f]{64}$/);
    }
  });

  it('filters by keyword prefixes, case- and accent-insensitively', async () => {
    const names = async (q: string): Promise<string[]> =>
      (await list(`?q=${encodeURIComponent(q)}`)).files.map((f) => f.names[0]!);
    expect(await names('beatles')).to.deep.equal([
      'music/Beatles - Help.mp3',
      'music/Beatles - Yesterday.mp3',
    ]);
    expect(await names('BEAT yest')).to.deep.equal(['music/Beatles - Yesterday.mp3']);
    expect(await names('resume')).to.deep.equal(['docs/Résumé 2024.txt']);
    expect(await names('2024')).to.deep.equal(['docs/Résumé 2024.txt', 'docs/report-2024.pdf']);
    expect(await names('nothing-like-this')).to.deep.equal([]);
    expect((await list('?q=beatles')).total).to.equal(2);
  });

  it('pages with limit and offset, total counting every match', async () => {
    const all = (await list()).files.map((f) => f.sha256);
    const seen: string[] = [];
    for (let offset = 0; offset < 9; offset += 3) {
      const page = await list(`?limit=3&offset=${offset}`);
      expect(page).to.include({ total: 7, limit: 3, offset });
      expect(page.files.length).to.equal(Math.max(0, Math.min(3, 7 - offset)));
      seen.push(...page.files.map((f) => f.sha256));
    }
    expect(seen).to.deep.equal(all);
    const past = await list('?offset=100');
    expect(past.files).to.deep.equal([]);
    expect(past.total).to.equal(7);
    const filtered = await list('?q=mp3&limit=1&offset=1');
    expect(filtered.total).to.equal(3);
    expect(filtered.files.map((f) => f.names[0])).to.deep.equal(['music/Beatles - Yesterday.mp3']);
    // 0 means the default page, as in gRPC (where an unset limit is 0).
    expect(await list('?limit=0')).to.include({ total: 7, limit: 50, offset: 0 });
  });

  for (const [query, field] of [
    ['limit=1001', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['limit=0x10', 'limit'],
    ['limit=1e2', 'limit'],
    ['limit=', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=99999999999999999999', 'offset'],
    ['offset=x', 'offset'],
    ['q=a&q=b', 'q'],
    [`q=${'a'.repeat(1025)}`, 'q'],
    ['limt=5', 'limt'],
  ] as const) {
    it(`refuses ?${query.slice(0, 40)} with a 400 problem naming ${field}`, async () => {
      const problem = await expectProblem(
        await http(`${peer.restUrl}/api/v1/files?${query}`),
        400,
        'INVALID_ARGUMENT',
      );
      expect(problem.detail).to.include(field);
    });
  }
});
