// Peer identities (issue 14): a key made on first start and kept, certificates
// from the network CA, pins that survive a restart, private networks, and a
// wire a relay cannot read.
import { expect } from 'chai';
import { X509Certificate, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOfCertificate, FINGERPRINT } from '../../src/identity/fingerprint.js';
import { networkCa } from '../../src/identity/network-ca.js';
import { ephemeralIdentity, loadPeerIdentity } from '../../src/identity/peer-identity.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { neighborIds, startNetPeer, stoppedAfterEach } from '../overlay/network.js';

describe('peer identity', function () {
  this.timeout(60_000);

  describe('keys and certificates', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'p2pd-id-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('makes a key on first start, mode 0600, and keeps it', async () => {
      const first = await loadPeerIdentity(dir);
      const file = join(dir, 'identity', 'key.pem');
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      expect(first.fingerprint).to.match(FINGERPRINT);
      const again = await loadPeerIdentity(dir);
      expect(again.fingerprint).to.equal(first.fingerprint);
      expect(again.keyPem).to.equal(first.keyPem);
    });

    it('refuses a key file that is not a key, saying how to recover', async () => {
      await loadPeerIdentity(dir);
      const file = join(dir, 'identity', 'key.pem');
      await unlink(file);
      await copyFile(__filenameOf(import.meta.url), file);
      const err = await loadPeerIdentity(dir).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/not a private key.*move it away/);
    });

    it('certifies a key for its network only', () => {
      const id = ephemeralIdentity();
      const cert = new X509Certificate(id.certPem);
      expect(cert.verify(new X509Certificate(networkCa(undefined).certPem).publicKey)).to.equal(
        true,
      );
      expect(
        cert.verify(new X509Certificate(networkCa('a private secret!').certPem).publicKey),
      ).to.equal(false);
      expect(fingerprintOfCertificate(cert.raw)).to.equal(id.fingerprint);
      // The CA is the same for everyone who knows the secret.
      expect(networkCa('a private secret!').name).to.equal(networkCa('a private secret!').name);
      expect(networkCa('a private secret!').name).to.match(/^private [0-9a-f]{8}$/);
    });
  });

  describe('between daemons', () => {
    const { peers } = stoppedAfterEach();

    it('shows the fingerprint in status and on both sides of a link, pinned across restarts', async () => {
      const b = await startNetPeer({ id: 'b' });
      peers.push(b);
      const a = await startNetPeer({ id: 'a', bootstrap: [b.grpcAddress] });
      peers.push(a);
      await waitFor(() => neighborIds(a).includes('b') && neighborIds(b).includes('a'), {
        what: 'a and b to be neighbors',
      });
      const aKey = a.daemon.status().fingerprint;
      const bKey = b.daemon.status().fingerprint;
      expect(aKey).to.match(FINGERPRINT).and.not.equal(bKey);
      expect(a.daemon.overlay.neighbors()[0]!.peer.fingerprint).to.equal(bKey);
      expect(b.daemon.overlay.neighbors()[0]!.peer.fingerprint).to.equal(aKey);
      const res = await fetch(`${a.restUrl}/api/v1/status`);
      expect((await res.json()) as { fingerprint: string; network: string }).to.include({
        fingerprint: aKey,
        network: 'public',
      });
      // Pins are on disk once saved.
      await waitFor(
        async () => {
          const pins = await readFile(join(a.dir, 'data', 'identity', 'pins.json'), 'utf8').catch(
            () => '',
          );
          return pins.includes(bKey);
        },
        { what: "b's key pinned on a's disk" },
      );
    });

    it('refuses a peer that comes back under a pinned id with another key, also after a restart', async () => {
      const a = await startNetPeer({ id: 'a' });
      peers.push(a);
      const aKey = a.daemon.status().fingerprint;
      let b: TestPeer | undefined = await startNetPeer({ id: 'b', bootstrap: [a.grpcAddress] });
      await waitFor(() => neighborIds(a).includes('b'), { what: 'b to join a' });
      await b.stop();
      // a restarts from the same data dir; then a new "b" with a new key knocks.
      const dataDir = join(a.dir, 'data');
      await a.daemon.stop();
      peers.splice(peers.indexOf(a), 1);
      const a2 = await startNetPeer({ id: 'a', config: { dataDir } });
      peers.push(a2);
      expect(a2.daemon.status().fingerprint, 'the key survives a restart').to.equal(aKey);
      b = await startNetPeer({ id: 'b', bootstrap: [a2.grpcAddress] });
      peers.push(b);
      const view = await waitFor(
        () => b!.daemon.overlay.bootstrapStatus().find((v) => v.lastError.includes('another key')),
        { what: "the impostor's join to be refused" },
      );
      expect(view.lastError).to.match(/peer id "b" belongs to another key/);
      expect(neighborIds(a2)).to.deep.equal([]);
      const metrics = await (await fetch(`${a2.restUrl}/metrics`)).text();
      expect(metrics).to.match(/^p2pd_peer_key_conflicts_total [1-9]\d*$/m);
      await rm(a.dir, { recursive: true, force: true });
    });

    it('a private network admits only peers that know its secret', async () => {
      const secret = 'correct horse battery staple';
      const a = await startNetPeer({ id: 'a', config: { network: { secret } } });
      peers.push(a);
      expect(a.daemon.status().network).to.match(/^private [0-9a-f]{8}$/);
      const outsider = await startNetPeer({
        id: 'outsider',
        bootstrap: [a.grpcAddress],
        config: { network: { secret: 'not the secret at all' } },
      });
      peers.push(outsider);
      const publicPeer = await startNetPeer({ id: 'public', bootstrap: [a.grpcAddress] });
      peers.push(publicPeer);
      const member = await startNetPeer({
        id: 'member',
        bootstrap: [a.grpcAddress],
        config: { network: { secret } },
      });
      peers.push(member);
      await waitFor(() => neighborIds(a).includes('member'), { what: 'the member to join' });
      await waitFor(
        () =>
          outsider.daemon.overlay.stats().dialFailures >= 2 &&
          publicPeer.daemon.overlay.stats().dialFailures >= 2,
        { what: 'the outsiders to fail twice' },
      );
      expect(neighborIds(a)).to.deep.equal(['member']);
      expect(outsider.daemon.overlay.bootstrapStatus()[0]!.lastError).to.not.equal('');
    });

    it('a relay between two peers sees none of the bytes of a file they transfer', async () => {
      const content = randomBytes(256 * 1024);
      const through = async (plaintext: boolean): Promise<{ carried: number; visible: number }> => {
        const grpc = { plaintextPeers: plaintext };
        const source = await startPeer({ files: { 'secret.bin': content }, config: { grpc } });
        peers.push(source);
        const fetcher = await startPeer({ config: { grpc } });
        peers.push(fetcher);
        const relay = await startRelay(source.grpcAddress);
        try {
          const outcome = await fetcher.daemon.transfers.fetch({
            sha256: source.daemon.index.list().files[0]!.sha256,
            sources: [relay.address],
          }).done;
          expect(outcome.snapshot.state, outcome.error?.message).to.equal('completed');
        } finally {
          relay.server.close();
        }
        const seen = Buffer.concat(relay.captured);
        let visible = 0;
        for (let off = 0; off + 64 <= content.length; off += 4096) {
          if (seen.includes(content.subarray(off, off + 64))) visible++;
        }
        return { carried: seen.length, visible };
      };
      const tls = await through(false);
      // The same relay on a plaintext wire reads the file: the check can see bytes.
      const plain = await through(true);
      console.log(
        `      [figures] relay: TLS ${tls.carried} bytes carried, ${tls.visible} of ${content.length / 4096} ` +
          `64-byte samples of the file visible; plaintext ${plain.visible} of ${content.length / 4096}`,
      );
      expect(tls.carried, 'bytes through the relay').to.be.greaterThan(content.length);
      expect(tls.visible).to.equal(0);
      expect(plain.visible).to.equal(content.length / 4096);
    });
  });
});

function __filenameOf(url: string): string {
  return new URL(url).pathname;
}

/** A TCP relay that forwards to `target` and keeps every byte it carries. */
async function startRelay(
  target: string,
): Promise<{ address: string; captured: Buffer[]; server: Server }> {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const captured: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.push(client, upstream);
    client.on('data', (d: Buffer) => {
      captured.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      captured.push(d);
      client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = server.address() as { port: number };
  return { address: `127.0.0.1:${relayPort}`, captured, server };
}
