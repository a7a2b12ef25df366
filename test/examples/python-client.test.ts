// The Python example client (examples/python/) against real daemons: a second
// language that learns everything through reflection and loads it into a
// strict descriptor pool, which refuses what grpcurl refuses.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';

const CLIENT = fileURLToPath(new URL('../../../examples/python/p2pd_client.py', import.meta.url));
/** Debian's python3-grpcio and python3-protobuf live beside /usr/bin/python3, not a pyenv one. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function client(address: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      [CLIENT, '--addr', address, ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('examples/python client', function () {
  this.timeout(90_000);
  let asker: TestPeer;
  let holder: TestPeer;
  before(async () => {
    asker = await startPeer({ id: 'py-asker' });
    holder = await startPeer({
      id: 'py-holder',
      files: { 'field-notes.txt': 'notes taken in the field\n' },
      config: { bootstrap: [asker.grpcAddress] },
    });
    await waitFor(() => asker.daemon.overlay.neighbors().length > 0, {
      what: 'the two peers joined',
    });
  });
  after(async () => {
    await Promise.all([asker?.stop(), holder?.stop()]);
  });

  it('lists the services through reflection', async () => {
    const run = await client(asker.grpcAddress, 'list');
    expect(run.stderr).to.equal('');
    expect(run.stdout.trim().split('\n')).to.deep.equal([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'p2p.v1.ControlService',
      'p2p.v1.PeerService',
    ]);
  });

  it('loads every served descriptor into a strict pool, under the real file names', async () => {
    const run = await client(asker.grpcAddress, 'describe');
    expect(run.stderr, 'the strict pool refused a descriptor').to.equal('');
    expect(run.code).to.equal(0);
    for (const file of [
      'p2p/v1/p2p.proto',
      'grpc/health/v1/health.proto',
      'grpc/reflection/v1/reflection.proto',
      'grpc/reflection/v1alpha/reflection.proto',
    ]) {
      expect(run.stdout).to.include(`${file}: package`);
    }
    expect(run.stdout).to.include('map entry grpc.health.v1.HealthListResponse.StatusesEntry');
    expect(run.stdout).to.include('loaded 4 files into a strict descriptor pool');
  });

  it('checks health with messages built from the served descriptors', async () => {
    const run = await client(asker.grpcAddress, 'health');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout.match(/"status": "SERVING"/g)).to.have.length(3);
  });

  it('searches with the .proto field names and fetches the hit, bytes verified', async () => {
    const run = await client(asker.grpcAddress, 'fetch', 'field', '--timeout-ms', '2000');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include(
      '$ p2p.v1.ControlService/Search {"query": "field", "timeout_ms": 2000}',
    );
    expect(run.stdout).to.include('"state": "completed"');
    expect(run.stdout).to.match(/fetched 25 bytes to \S+, sha256 [0-9a-f]{64} \(matches\)/);
    expect(await readFile(join(asker.shared, 'field-notes.txt'), 'utf8')).to.equal(
      'notes taken in the field\n',
    );
  });

  it('reports a search with no hits and exits 1', async () => {
    const run = await client(
      asker.grpcAddress,
      'search',
      'nothing-like-this',
      '--timeout-ms',
      '300',
    );
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include("no hits for 'nothing-like-this'");
  });
});
