// The baseline's server, run as its own process: a plain Node HTTP server
// streaming one file. Tells its parent the port over IPC.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const file = process.argv[2];
if (!file || !process.send) {
  console.error('usage: forked with the file to serve as the only argument');
  process.exit(2);
}
const size = statSync(file).size;
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
  createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(res);
});
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
