import { expect } from 'chai';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { getJson, http, sha256 } from '../fixtures/http.js';

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, unknown> };
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const MOUNTED = [
  '/',
  '/healthz',
  '/metrics',
  '/api/v1/openapi.json',
  '/api/v1/status',
  '/api/v1/files',
  '/api/v1/files/{sha256}',
  '/api/v1/files/{sha256}/content',
  '/api/v1/transfers',
  '/api/v1/transfers/{id}',
  '/api/v1/transfers/{id}/chunks',
  '/api/v1/traffic',
  '/api/v1/limits',
  '/api/v1/network',
  '/api/v1/pushes',
  '/api/v1/asyncapi.json',
  '/api/v1/events',
  '/api/v1/peers',
  '/api/v1/peers/{id}',
  '/api/v1/search',
];

describe('REST GET /api/v1/openapi.json', () => {
  let peer: TestPeer;
  let doc: Doc;

  before(async () => {
    peer = await startPeer({ files: { 'doc.txt': 'documented' } });
    doc = await getJson<Doc>(`${peer.restUrl}/api/v1/openapi.json`);
  });
  after(() => peer?.stop());

  it('is an OpenAPI 3.1 document listing every mounted route', () => {
    expect(doc.openapi).to.match(/^3\.1\.\d+$/);
    expect(doc.info.title).to.be.a('string');
    expect(doc.info.version).to.match(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.paths).sort()).to.deep.equal([...MOUNTED].sort());
    expect(doc.paths['/api/v1/files']).to.have.all.keys('get', 'post');
    const ids = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).map((o) => o.operationId),
    );
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('derives parameters and bodies from the request schemas', () => {
    const list = doc.paths['/api/v1/files']!.get!;
    const params = Object.fromEntries(list.parameters!.map((p) => [p.name, p]));
    expect(Object.keys(params)).to.deep.equal(['q', 'limit', 'offset']);
    expect(params.limit).to.deep.include({ in: 'query', required: false });
    expect(params.limit!.schema).to.include({
      type: 'integer',
      minimum: 0,
      maximum: 1000,
      default: 50,
    });
    expect(params.q!.schema).to.include({ type: 'string', maxLength: 1024 });
    const get = doc.paths['/api/v1/files/{sha256}']!.get!;
    expect(get.parameters![0]).to.deep.include({ name: 'sha256', in: 'path', required: true });
    expect(get.parameters![0]!.schema).to.have.property('pattern');
    expect(Object.keys(get.responses)).to.include.members(['200', '400', '404']);
    const post = doc.paths['/api/v1/files']!.post!;
    expect(post.requestBody!.content).to.have.all.keys(
      'application/octet-stream',
      'multipart/form-data',
    );
  });

  it('resolves every $ref to a component', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).to.be.greaterThan(0);
    for (const ref of refs) {
      expect(ref).to.match(/^#\/components\/schemas\//);
      expect(doc.components.schemas, ref).to.have.property(ref.split('/').pop()!);
    }
    expect(doc.components.schemas).to.include.keys(
      'Problem',
      'FileSummary',
      'FileDetail',
      'Status',
    );
  });

  it('documents only routes that are mounted', async () => {
    const hash = sha256(Buffer.from('documented'));
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const res = await http(`${peer.restUrl}${path.replace('{sha256}', hash)}`, {
          method: method.toUpperCase(),
        });
        expect(res.status, `${method} ${path}`).to.be.oneOf([200, 400]);
        // An event stream never ends: its headers are the answer.
        if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
          await res.body?.cancel();
          continue;
        }
        const body = await res.text();
        expect(body, `${method} ${path}`).not.to.include('no route');
      }
    }
  });
});
