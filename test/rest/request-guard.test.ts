// Web pages against the local API, with the headers browsers send: a page whose DNS name
// was rebound to 127.0.0.1 (Host: evil.example), and cross-site writes (Origin,
// Sec-Fetch-Site) such as a form upload or a no-cors fetch. Nothing may change, nothing
// may be sent, and scripts (no Origin) and the UI's own origin keep working.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { sha256 } from '../fixtures/http.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (fetch() would not let us set Host). */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<Reply> {
  const { hostname: host, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // No Host key at all: send none (HTTP/1.0 style), which Node would otherwise add.
    const setHost = 'Host' in headers;
    const req = request({ host, port, method, path, headers, setHost, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const SHARED = Buffer.from('2400 bytes the attacker wants. '.repeat(80));
const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('REST against web pages: DNS rebinding and cross-site requests', function () {
  this.timeout(30_000);
  let victim: TestPeer;
  let attacker: TestPeer;
  let self: string;

  before(async () => {
    [victim, attacker] = await Promise.all([
      startPeer({ id: 'victim', files: { 'secret.bin': SHARED } }),
      startPeer({ id: 'attacker' }),
    ]);
    self = new URL(victim.restUrl).host;
  });
  after(async () => {
    await Promise.all([victim?.stop(), attacker?.stop()]);
  });

  const received = async (): Promise<string[]> =>
    (await readdir(attacker.shared, { recursive: true })).map(String);

  describe('a rebound name (Host: evil.example)', () => {
    const evil = { Host: 'evil.example' };

    it('is refused with 403 on reads and on every write, and nothing moves', async () => {
      const cases: [string, string, Record<string, string>, string?][] = [
        ['GET', '/api/v1/files', evil],
        ['GET', `/api/v1/files/${sha256(SHARED)}/content`, evil],
        ['GET', '/api/v1/status', { Host: 'evil.example:5001' }],
        [
          'POST',
          '/api/v1/pushes',
          { ...evil, ...JSON_TYPE },
          JSON.stringify({ sha256: sha256(SHARED), peer: attacker.grpcAddress }),
        ],
        [
          'POST',
          '/api/v1/peers',
          { ...evil, ...JSON_TYPE },
          JSON.stringify({ address: attacker.grpcAddress }),
        ],
        [
          'POST',
          '/api/v1/transfers',
          { ...evil, ...JSON_TYPE },
          JSON.stringify({ sha256: 'ab'.repeat(32), sources: [attacker.grpcAddress] }),
        ],
        ['GET', '/', evil],
      ];
      for (const [method, path, headers, body] of cases) {
        const reply = await send(victim.restUrl, method, path, headers, body);
        expect(reply.status, `${method} ${path}`).to.equal(403);
        expect(reply.headers['content-type']).to.match(/^application\/problem\+json/);
        expect(JSON.parse(reply.body).detail).to.include('rest.allowedHosts');
      }
      expect(await received()).to.deep.equal([]);
      const peers = await send(victim.restUrl, 'GET', '/api/v1/peers', { Host: self });
      expect(JSON.parse(peers.body).peers).to.deep.equal([]);
      const transfers = await send(victim.restUrl, 'GET', '/api/v1/transfers', { Host: self });
      expect(JSON.parse(transfers.body).transfers).to.deep.equal([]);
    });

    it('does not fool the check with case, a trailing dot, a look-alike or no Host', async () => {
      for (const host of [
        'EVIL.example',
        'evil.example.',
        'localhost.evil.example',
        '127.0.0.1.nip.io',
        undefined, // no Host at all
      ]) {
        const headers: Record<string, string> = host === undefined ? {} : { Host: host };
        const reply = await send(victim.restUrl, 'GET', '/api/v1/status', headers);
        // Node itself answers an HTTP/1.1 request without Host with 400.
        expect(reply.status, `Host: ${host}`).to.equal(host === undefined ? 400 : 403);
      }
    });

    it('serves the names this daemon answers to: IP literals, localhost, this machine', async () => {
      const port = new URL(victim.restUrl).port;
      for (const host of [
        self,
        `localhost:${port}`,
        'LOCALHOST.',
        `[::1]:${port}`,
        `${hostname()}:${port}`,
      ]) {
        const reply = await send(victim.restUrl, 'GET', '/api/v1/status', { Host: host });
        expect(reply.status, `Host: ${host}`).to.equal(200);
      }
    });
  });

  describe('rest.allowedHosts and rest.allowedOrigins', () => {
    let open: TestPeer;
    before(async () => {
      open = await startPeer({
        id: 'lan',
        config: {
          rest: { allowedHosts: ['peer1.lan'], allowedOrigins: ['http://dash.example:8080'] },
        },
      });
    });
    after(() => open?.stop());

    it('serves a listed host name, and nothing else', async () => {
      expect(
        (await send(open.restUrl, 'GET', '/api/v1/status', { Host: 'Peer1.LAN:5001' })).status,
      ).to.equal(200);
      expect(
        (await send(open.restUrl, 'GET', '/api/v1/status', { Host: 'peer2.lan' })).status,
      ).to.equal(403);
    });

    it('answers a listed origin with CORS (preflight and request), and no other', async () => {
      const host = new URL(open.restUrl).host;
      const dash = 'http://dash.example:8080';
      const preflight = await send(open.restUrl, 'OPTIONS', '/api/v1/peers', {
        Host: host,
        Origin: dash,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers['access-control-allow-origin']).to.equal(dash);
      expect(preflight.headers['access-control-allow-methods']).to.include('POST');
      const write = await send(
        open.restUrl,
        'POST',
        '/api/v1/peers',
        { Host: host, Origin: dash, ...JSON_TYPE },
        JSON.stringify({ address: victim.grpcAddress }),
      );
      expect(write.status).to.equal(201);
      expect(write.headers['access-control-allow-origin']).to.equal(dash);
      const other = await send(open.restUrl, 'GET', '/api/v1/status', {
        Host: host,
        Origin: 'http://evil.example',
      });
      expect(other.status).to.equal(200); // a read; without CORS headers the page cannot see it
      expect(other.headers['access-control-allow-origin']).to.equal(undefined);
    });
  });

  describe('cross-site writes (CSRF)', () => {
    const foreign: Record<string, string>[] = [
      { Origin: 'http://evil.example' },
      { Origin: 'null' }, // sandboxed frames, file: pages
      { Origin: 'http://127.0.0.1:1' }, // another port is another origin
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ];

    it('refuses a text/plain or multipart upload from another site with 403 and plants nothing', async () => {
      const multipart =
        '--B\r\nContent-Disposition: form-data; name="file"; filename="planted.bin"\r\n' +
        'Content-Type: application/octet-stream\r\n\r\nplanted\r\n--B--\r\n';
      for (const site of foreign) {
        const plain = await send(
          victim.restUrl,
          'POST',
          '/api/v1/files?name=planted.txt',
          { Host: self, 'Content-Type': 'text/plain', ...site },
          'planted',
        );
        expect(plain.status, JSON.stringify(site)).to.equal(403);
        const form = await send(
          victim.restUrl,
          'POST',
          '/api/v1/files',
          { Host: self, 'Content-Type': 'multipart/form-data; boundary=B', ...site },
          multipart,
        );
        expect(form.status, JSON.stringify(site)).to.equal(403);
        expect(JSON.parse(form.body).detail).to.include('another web site');
      }
      expect(existsSync(join(victim.shared, 'planted.txt'))).to.equal(false);
      expect(existsSync(join(victim.shared, 'planted.bin'))).to.equal(false);
    });

    it('refuses a push, connect or fetch from another site', async () => {
      for (const site of foreign) {
        for (const [path, body] of [
          ['/api/v1/pushes', { sha256: sha256(SHARED), peer: attacker.grpcAddress }],
          ['/api/v1/peers', { address: attacker.grpcAddress }],
          ['/api/v1/transfers', { sha256: 'cd'.repeat(32), sources: [attacker.grpcAddress] }],
        ] as const) {
          const reply = await send(
            victim.restUrl,
            'POST',
            path,
            { Host: self, 'Content-Type': 'text/plain', ...site },
            JSON.stringify(body),
          );
          expect(reply.status, `${path} ${JSON.stringify(site)}`).to.equal(403);
        }
      }
      expect(await received()).to.deep.equal([]);
    });

    it('needs X-Requested-With (or a type no form can send) on an upload without Origin', async () => {
      const untyped = await send(
        victim.restUrl,
        'POST',
        '/api/v1/files?name=bare.txt',
        { Host: self },
        'bare',
      );
      expect(untyped.status).to.equal(403);
      expect(JSON.parse(untyped.body).detail).to.include('X-Requested-With');
      expect(existsSync(join(victim.shared, 'bare.txt'))).to.equal(false);
      const scripted = await send(
        victim.restUrl,
        'POST',
        '/api/v1/files?name=scripted.txt',
        { Host: self, 'Content-Type': 'text/plain', 'X-Requested-With': 'curl' },
        'scripted',
      );
      expect(scripted.status).to.equal(201);
      const raw = await send(
        victim.restUrl,
        'POST',
        '/api/v1/files?name=raw.bin',
        { Host: self, 'Content-Type': 'application/octet-stream' },
        'raw',
      );
      expect(raw.status).to.equal(201);
    });

    it('takes writes from its own origin (the web UI) and from the browser address bar', async () => {
      const own: Record<string, string>[] = [
        { Origin: `http://${self}` },
        { 'Sec-Fetch-Site': 'same-origin' },
        { 'Sec-Fetch-Site': 'none' },
      ];
      for (const [i, site] of own.entries()) {
        const reply = await send(
          victim.restUrl,
          'POST',
          `/api/v1/files?name=own-${i}.bin`,
          { Host: self, 'Content-Type': 'application/octet-stream', ...site },
          'mine',
        );
        expect(reply.status, JSON.stringify(site)).to.equal(201);
      }
    });
  });
});
