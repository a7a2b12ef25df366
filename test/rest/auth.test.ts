import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { expectProblem, getJson, http, sha256 } from '../fixtures/http.js';

const TOKEN = 'correct-horse-battery';

describe('REST bearer token', () => {
  let peer: TestPeer;
  const bearer = (token: string): RequestInit => ({
    headers: { Authorization: `Bearer ${token}` },
  });

  before(async () => {
    peer = await startPeer({
      files: { 'x.txt': 'x' },
      config: { rest: { token: TOKEN }, log: { level: 'debug' } },
    });
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
      headers: { 'Content-Type': 'application/octet-stream' },
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
    for (const method of ['get', 'post']) {
      expect(doc.paths['/api/v1/files']![method]!.security).to.deep.equal([
        { bearer: [] },
        { session: [] },
      ]);
    }
    expect(doc.paths['/healthz']!.get!.security).to.deep.equal([]);
  });

  it('refuses a token in the URL, even a right one, and keeps it out of the log', async () => {
    const hash = sha256(Buffer.from('x'));
    for (const url of [
      `${peer.restUrl}/api/v1/files/${hash}/content?access_token=${TOKEN}`,
      `${peer.restUrl}/api/v1/status?access_token=wrong-token-2`,
    ]) {
      const problem = await expectProblem(await http(url), 401, 'UNAUTHENTICATED');
      expect(problem.detail).to.include('session');
    }
    await expectProblem(
      await http(`${peer.restUrl}/api/v1/files?name=q.txt&access_token=${TOKEN}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: 'q',
      }),
      401,
    );
    expect(existsSync(join(peer.shared, 'q.txt'))).to.equal(false);
    const log = await waitFor(
      async () => {
        const text = await readFile(join(peer.dir, 'p2pd.log'), 'utf8');
        return text.includes('access_token=***') ? text : undefined;
      },
      { what: 'the refusal in the log' },
    );
    expect(log).not.to.include('wrong-token-2');
    expect(log).not.to.include(TOKEN);
  });

  it('trades the token for an HttpOnly, SameSite=Strict session cookie that links and streams carry', async () => {
    await expectProblem(await http(`${peer.restUrl}/api/v1/session`, { method: 'POST' }), 401);
    const opened = await http(`${peer.restUrl}/api/v1/session`, {
      method: 'POST',
      ...bearer(TOKEN),
    });
    expect(opened.status).to.equal(204);
    const setCookie = opened.headers.get('set-cookie') ?? '';
    expect(setCookie).to.match(
      new RegExp(`^p2pd-session-${peer.daemon.config.id}=[A-Za-z0-9_-]{43};`),
    );
    expect(setCookie).to.include('HttpOnly');
    expect(setCookie).to.include('SameSite=Strict');
    const cookie = setCookie.split(';')[0]!;
    const hash = sha256(Buffer.from('x'));
    const res = await http(`${peer.restUrl}/api/v1/files/${hash}/content`, {
      headers: { Cookie: cookie },
    });
    expect(res.status).to.equal(200);
    expect(await res.text()).to.equal('x');
    const stream = await http(`${peer.restUrl}/api/v1/events`, {
      headers: { Cookie: cookie, Accept: 'text/event-stream' },
    });
    expect(stream.status).to.equal(200);
    await stream.body?.cancel();
    // A made-up or ended session is worth nothing.
    const forged = `p2pd-session-${peer.daemon.config.id}=${'A'.repeat(43)}`;
    await expectProblem(
      await http(`${peer.restUrl}/api/v1/status`, { headers: { Cookie: forged } }),
      401,
    );
    const closed = await http(`${peer.restUrl}/api/v1/session`, {
      method: 'DELETE',
      headers: { Cookie: cookie },
    });
    expect(closed.status).to.equal(204);
    await expectProblem(
      await http(`${peer.restUrl}/api/v1/status`, { headers: { Cookie: cookie } }),
      401,
    );
  });

  it('leaves /healthz, /metrics and / open', async () => {
    for (const path of ['/healthz', '/metrics', '/']) {
      expect((await http(`${peer.restUrl}${path}`)).status, path).to.equal(200);
    }
  });
});
