import { expect } from 'chai';
import { join } from 'node:path';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { expectProblem, getJson, http } from '../fixtures/http.js';

describe('REST status, health and unknown routes', () => {
  let peer: TestPeer;

  before(async () => {
    peer = await startPeer({ id: 'status-peer', files: { 'a.txt': 'alpha', 'b.txt': 'beta' } });
  });
  after(() => peer?.stop());

  it('GET /api/v1/status reports this peer', async () => {
    const status = await getJson(`${peer.restUrl}/api/v1/status`);
    expect(status).to.include({
      id: 'status-peer',
      files: 2,
      bytesShared: 9,
      peers: 0,
      indexing: false,
      natsState: 'disabled',
      restAddress: `127.0.0.1:${peer.daemon.rest.port}`,
      grpcAddress: peer.grpcAddress,
    });
    expect(status.version)
      .to.be.a('string')
      .and.match(/^\d+\.\d+\.\d+/);
    expect(status.uptimeMs).to.be.a('number').at.least(0);
    expect(status.log).to.deep.equal({
      file: join(peer.dir, 'p2pd.log'),
      writable: true,
      droppedLines: 0,
    });
  });

  it('GET /healthz answers ok', async () => {
    expect(await getJson(`${peer.restUrl}/healthz`)).to.deep.equal({ status: 'ok' });
  });

  it('GET / serves the web UI, whose scripts and styles come from the daemon', async () => {
    const res = await http(`${peer.restUrl}/`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const html = await res.text();
    expect(html).to.include('js/main.js').and.include('app.css');
    for (const asset of ['/js/main.js', '/app.css', '/js/views/files.js']) {
      const a = await http(`${peer.restUrl}${asset}`);
      expect(a.status, asset).to.equal(200);
    }
    expect((await http(`${peer.restUrl}/tsconfig.json`)).status).to.equal(404);
  });

  it('answers unknown routes and methods with a 404 problem', async () => {
    await expectProblem(await http(`${peer.restUrl}/api/v1/nothing-here`), 404, 'NOT_FOUND');
    await expectProblem(await http(`${peer.restUrl}/nope`), 404, 'NOT_FOUND');
    await expectProblem(
      await http(`${peer.restUrl}/api/v1/status`, { method: 'DELETE' }),
      404,
      'NOT_FOUND',
    );
  });

  it('answers a malformed path escape with a 400 problem and keeps serving', async () => {
    await expectProblem(await http(`${peer.restUrl}/api/v1/files/%E0%A4%A`), 400);
    await getJson(`${peer.restUrl}/api/v1/status`);
  });
});
