// The Node ceiling's source, run as its own process: a bare node:http2 server
// over TLS as the peer wire sets it up (serverTls), sending the bytes a
// request asks for from memory in 1 MiB writes, as a source daemon sends a
// file from the page cache. Tells its parent the port over IPC.
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { PeerIdentity } from '../src/identity/peer-identity.js';
import { serverTls } from '../src/identity/peer-wire.js';
import { H2_WINDOW } from './h2-ceiling.js';
import { MiB } from './table.js';

if (!process.send) {
  console.error('usage: forked by the transfer bench, which sends the identity to use');
  process.exit(2);
}
process.once('message', (id: PeerIdentity) => {
  const server = createSecureServer({
    ...serverTls(id),
    settings: { initialWindowSize: H2_WINDOW },
  });
  // Two buffers taking turns, as a source's ring does.
  const buffers = [Buffer.alloc(MiB, 1), Buffer.alloc(MiB, 2)];
  server.on('stream', (stream, headers) => {
    const total = Number(headers['x-bytes']);
    stream.respond({ ':status': 200 });
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const length = Math.min(MiB, total - sent);
        const buffer = buffers[(sent / MiB) & 1]!.subarray(0, length);
        sent += length;
        if (!stream.write(buffer)) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    pump();
  });
  server.listen(0, '127.0.0.1', () => {
    process.send!({ port: (server.address() as AddressInfo).port });
  });
});
process.on('disconnect', () => process.exit(0));
