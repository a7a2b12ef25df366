// The OpenAPI check every REST test goes through (fixtures/openapi-check.ts) can fail.
import { expect } from 'chai';
import { checkAgainstOpenApi, checked } from '../fixtures/openapi-check.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';

describe('REST answers checked against the served OpenAPI document', () => {
  let peer: TestPeer;
  before(async () => {
    peer = await startPeer();
  });
  after(() => peer.stop());

  const json = (body: unknown, status = 200): Response =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });

  it('passes a real answer and counts it', async () => {
    const url = `${peer.restUrl}/api/v1/status`;
    const before = checked.get('GET /api/v1/status 200') ?? 0;
    await checkAgainstOpenApi(url, {}, await fetch(url));
    expect(checked.get('GET /api/v1/status 200')).to.equal(before + 1);
  });

  it('fails a body that does not match, a status not documented, and a route not documented', async () => {
    const url = `${peer.restUrl}/api/v1/status`;
    const wrong = await checkAgainstOpenApi(url, {}, json({ id: 42 })).catch((e: Error) => e);
    expect(wrong?.message).to.match(/does not match \/api\/v1\/status/);
    const status = await checkAgainstOpenApi(url, {}, json({}, 418)).catch((e: Error) => e);
    expect(status?.message).to.match(/does not document 418/);
    const route = await checkAgainstOpenApi(
      `${peer.restUrl}/api/v1/nowhere`,
      { method: 'PUT' },
      json({}, 200),
    ).catch((e: Error) => e);
    expect(route?.message).to.match(/no operation for PUT \/api\/v1\/nowhere/);
  });

  it("follows a new daemon on a port an earlier one had, not the earlier one's document", async () => {
    const earlier = await startPeer();
    const port = Number(new URL(earlier.restUrl).port);
    const status = `${earlier.restUrl}/api/v1/status`;
    await checkAgainstOpenApi(status, {}, await fetch(status)); // its document is kept
    await earlier.stop();
    const later = await startPeer({ config: { rest: { port, token: 'tok-for-the-check' } } });
    try {
      const url = `${later.restUrl}/api/v1/status`;
      expect(url).to.equal(status);
      // A 401 only the later daemon's document has, checked with a token that may read it.
      const refused = await fetch(url);
      expect(refused.status).to.equal(401);
      const before = checked.get('GET /api/v1/status 401') ?? 0;
      await checkAgainstOpenApi(
        url,
        { headers: { authorization: 'Bearer tok-for-the-check' } },
        refused,
      );
      expect(checked.get('GET /api/v1/status 401')).to.equal(before + 1);
    } finally {
      await later.stop();
    }
  });
});
