// ControlService from another host (a network namespace): only over TLS and
// with grpc.token, as `grpcurl -insecure -H 'authorization: Bearer …'` calls
// it; the token never travels in clear. Needs root.
import { expect } from 'chai';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../fixtures/netns.js';
import { startLabPeer, type LabPeer } from '../fixtures/lab-daemons.js';

const TOKEN = 'remote-control-token';
const GRPC_JS = fileURLToPath(import.meta.resolve('@grpc/grpc-js'));
const PROTO = fileURLToPath(new URL('../../src/grpc/proto.js', import.meta.url));

/** A client on another host: Status over plaintext or TLS (no certificate check), with or without the token. */
function statusScript(target: string): string {
  return `
import grpc from ${JSON.stringify(GRPC_JS)};
import { loadProto } from ${JSON.stringify(PROTO)};
const { proto } = loadProto();
const out = {};
for (const [name, creds, token] of [
  ['plaintext+token', grpc.credentials.createInsecure(), true],
  ['tls', grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false }), false],
  ['tls+token', grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false }), true],
]) {
  const client = new proto.p2p.v1.ControlService(${JSON.stringify(target)}, creds, {
    'grpc.ssl_target_name_override': 'p2pd',
  });
  const md = new grpc.Metadata();
  if (token) md.set('authorization', 'Bearer ${TOKEN}');
  out[name] = await new Promise((resolve) =>
    client.Status({}, md, { deadline: Date.now() + 5000 }, (err, res) =>
      resolve(err ? { code: grpc.status[err.code], details: err.details } : { fingerprint: res.fingerprint }),
    ),
  );
  client.close();
}
console.log(JSON.stringify(out));
`;
}

describe('ControlService from another host (network namespaces)', function () {
  this.timeout(60_000);
  let lab: Lab | undefined;
  let peer: LabPeer | undefined;
  let dir = '';

  before(async () => {
    lab = await createLab({ hosts: 2 });
    dir = await mkdtemp(join(tmpdir(), 'p2pd-remote-'));
    peer = await startLabPeer(lab, lab.hosts[0]!, {
      bootstrap: [],
      files: {},
      config: { grpc: { token: TOKEN } },
    });
    await peer.start();
  });

  after(async () => {
    await peer?.stop();
    await lab?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers only over TLS with the token', async () => {
    const script = join(dir, 'status.mjs');
    await writeFile(script, statusScript(`${lab!.hosts[0]!.ip}:50051`));
    const { stdout } = await lab!.exec(lab!.hosts[1]!, [process.execPath, script]);
    const got = JSON.parse(stdout) as Record<
      string,
      { code?: string; details?: string; fingerprint?: string }
    >;
    const own = (await peer!.status()) as unknown as { fingerprint: string };
    console.log(`      [figures] remote ControlService/Status: ${JSON.stringify(got)}`);
    expect(got['plaintext+token']).to.deep.include({ code: 'UNAUTHENTICATED' });
    expect(got['plaintext+token']!.details).to.match(/needs TLS/);
    expect(got['tls']).to.deep.include({ code: 'UNAUTHENTICATED' });
    expect(got['tls+token']).to.deep.equal({ fingerprint: own.fingerprint });
  });
});
