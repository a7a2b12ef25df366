import { expect } from 'chai';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { http, sha256 } from '../fixtures/http.js';

describe('REST GET /metrics', () => {
  let peer: TestPeer;
  const metrics = async (): Promise<string> => {
    const res = await http(`${peer.restUrl}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    return res.text();
  };
  const count = (text: string, labels: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`p2pd_http_requests_total{${labels}}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  before(async () => {
    peer = await startPeer({ files: { 'one.txt': 'one', 'two.txt': 'two' } });
  });
  after(() => peer?.stop());

  it('exposes the shared-file gauge', async () => {
    expect(await metrics()).to.match(/^p2pd_shared_files 2$/m);
  });

  it('counts requests by method, route pattern and status, never by raw URL', async () => {
    const hash = sha256(Buffer.from('one'));
    await (await http(`${peer.restUrl}/api/v1/files/${hash}`)).text();
    await (await http(`${peer.restUrl}/api/v1/files/${hash}`)).text();
    await (await http(`${peer.restUrl}/api/v1/files/${'0'.repeat(64)}`)).text();
    await (await http(`${peer.restUrl}/api/v1/files/${hash}/content`, { method: 'HEAD' })).text();
    await (await http(`${peer.restUrl}/api/v1/files?limit=1001`)).text();
    await (await http(`${peer.restUrl}/api/v1/no/such/route`)).text();
    const route = 'route="/api/v1/files/:sha256"';
    const text = await waitFor(
      async () => {
        const t = await metrics();
        return count(t, `method="GET",${route},status="200"`) === 2 ? t : undefined;
      },
      { what: 'request counters' },
    );
    expect(count(text, `method="GET",${route},status="404"`)).to.equal(1);
    expect(
      count(text, 'method="HEAD",route="/api/v1/files/:sha256/content",status="200"'),
    ).to.equal(1);
    expect(count(text, 'method="GET",route="/api/v1/files",status="400"')).to.equal(1);
    expect(count(text, 'method="GET",route="unmatched",status="404"')).to.equal(1);
    expect(text).not.to.include(hash);
    expect(text).not.to.include('no/such');
  });
});
