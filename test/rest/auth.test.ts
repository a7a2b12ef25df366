import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { expectProblem, getJson, http } from '../fixtures/http.js';

const TOKEN = 'correct-horse-battery';

describe('REST bearer token', () => {
  let peer: TestPeer;
  const bearer = (token: string): RequestInit => ({
    headers: { Authorization: `Bearer ${token}` },
  });

  before(async () => {
    peer = await startPeer({ files: { 'x.txt': 'x' }, config: { rest: { token: TOKEN } } });
  });
  after(() => peer?.stop());

  it('refuses /api/ without the token, or with a wrong one, with 401', async () => {
    for (const path of [
      '/api/v1/status',
      '/api/v1/files',
      '/api/v1/openapi.json',
      '/api/v1/nope',
    ]) {
      const res = await http(`${peer.restUrl}${path}`);
      expect(res.headers.get('www-authenticate')).to.match(/^Bearer/);
      await expectProblem(res, 401, 'UNAUTHENTICATED');
    }
    await expectProblem(await http(`${peer.restUrl}/api/v1/status`, bearer('wrong-token-1')), 401);
    for (const path of ['/API/v1/status', '/api/v1/status/', '/Api/V1/Files']) {
      await expectProblem(await http(`${peer.restUrl}${path}`), 401);
    }
    for (const path of ['/%61pi/v1/status', '//api/v1/status', '/api%2Fv1%2Fstatus']) {
      expect((await http(`${peer.restUrl}${path}`)).status, path).to.be.oneOf([401, 404]);
    }
    await expectProblem(
      await http(`${peer.restUrl}/api/v1/status`, { headers: { Authorization: TOKEN } }),
      401,
    );
    const upload = await http(`${peer.restUrl}/api/v1/files?name=sneaky.txt`, {
      method: 'POST',
      body: 'sneaky',
    });
    await expectProblem(upload, 401);
    expect(existsSync(join(peer.shared, 'sneaky.txt'))).to.equal(false);
  });

  it('serves /api/ with the token', async () => {
    expect((await getJson(`${peer.restUrl}/api/v1/status`, bearer(TOKEN))).files).to.equal(1);
    const doc = await getJson<{ paths: Record<string, Record<string, { security: unknown }>> }>(
      `${peer.restUrl}/api/v1/openapi.json`,
      bearer(TOKEN),
    );
    expect(doc.paths['/api/v1/files']!.get!.security).to.deep.equal([{ bearer: [] }]);
    expect(doc.paths['/healthz']!.get!.security).to.deep.equal([]);
  });

  it('leaves /healthz, /metrics and / open', async () => {
    for (const path of ['/healthz', '/metrics', '/']) {
      expect((await http(`${peer.restUrl}${path}`)).status, path).to.equal(200);
    }
  });
});
