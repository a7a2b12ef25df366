// A SIGKILLed daemon leaves temp files behind: REST uploads and pushes being
// received, a staging copy in the share, a half-written state file. The
// restarted binary removes every one of them, says how much it reclaimed, and
// still resumes the fetch the kill interrupted.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import { waitFor } from '../fixtures/peers.js';
import { spawnP2pd, waitIndexed, type RunningDaemon } from '../fixtures/spawn.js';
import { startFakeSource, type FakeSource } from '../transfer/fake-source.js';
import { KiB, MiB, randomContent, sha256Of, sha256OfFile } from '../transfer/helpers.js';

const CHUNK = 64 * KiB;
const CHUNKS = 32;
const GATE = 12;
const UPLOADS = 5;
const UPLOAD_BYTES = 4 * MiB;
const PUSHES = 3;
const PUSH_BYTES = 2 * MiB;

interface LogRecord {
  msg: string;
  files?: number;
  bytes?: number;
  where?: string;
}

/** Bytes of the regular files directly in a folder (0 when it is missing). */
async function bytesIn(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const name of await readdir(dir).catch(() => [])) {
    const s = await stat(join(dir, name));
    if (s.isFile()) {
      files++;
      bytes += s.size;
    }
  }
  return { files, bytes };
}

/** A metric's value from /metrics text. */
async function metric(restUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${restUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('crash sweep: temp files of a killed daemon (real binary)', function () {
  this.timeout(120_000);
  let dir: string;
  let daemon: RunningDaemon | undefined;
  let source: FakeSource | undefined;
  const requests: ClientRequest[] = [];
  const closers: (() => void)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-sweep-'));
  });

  afterEach(async () => {
    if (daemon) {
      daemon.kill('SIGKILL');
      await daemon.exited;
      daemon = undefined;
    }
    for (const r of requests.splice(0)) r.destroy();
    for (const close of closers.splice(0)) close();
    await source?.stop();
    source = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(configFile: string): Promise<{ grpc: string; rest: string }> {
    daemon = spawnP2pd(['--config', configFile]);
    const out = await daemon.waitForOutput(/started: gRPC \S+, REST \S+/, 30_000);
    const [, grpc, rest] = /started: gRPC (\S+), REST (\S+)/.exec(out)!;
    await waitIndexed(rest!);
    return { grpc: grpc!, rest: rest! };
  }

  /** A REST upload that sends `bytes` and then stalls, never ending its body. */
  function stalledUpload(restUrl: string, name: string, bytes: number): void {
    const url = new URL(`${restUrl}/api/v1/files?name=${name}`);
    const req = request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    req.on('error', () => undefined);
    req.write(randomContent(bytes));
    requests.push(req);
  }

  /** A push to the daemon that sends a header and `bytes` of data, then stalls. */
  function stalledPush(grpcAddress: string, name: string, bytes: number): void {
    const client = strangerClient(grpcAddress);
    const call = client.Upload({ deadline: deadline(60_000) }, () => undefined);
    call.on('error', () => undefined);
    call.write({
      header: { name, size: bytes * 2, sha256: 'e'.repeat(64), sender: { id: 'pusher' } },
    });
    call.write({ data: randomContent(bytes) });
    closers.push(() => {
      call.cancel();
      client.close();
    });
  }

  it('removes what killed uploads and pushes left, and still resumes a fetch', async () => {
    const shared = join(dir, 'shared');
    const dataDir = join(dir, 'data');
    await mkdir(shared, { recursive: true });
    const configFile = join(dir, 'peer.json');
    const logFile = join(dir, 'p2pd.log');
    await writeFile(
      configFile,
      JSON.stringify({
        id: 'crashy',
        sharedDir: shared,
        dataDir,
        grpc: { host: '127.0.0.1', port: 0 },
        rest: { host: '127.0.0.1', port: 0 },
        index: { chunkSize: CHUNK, watch: false },
        // Chunks in order (no swarm refresh), so the gated source lets the first ones through.
        transfer: { requestBytes: 128 * KiB, swarmRefreshMs: 0 },
        log: { file: logFile, level: 'info' },
      }),
    );
    const content = randomContent(CHUNKS * CHUNK);
    const sha = sha256Of(content);
    source = await startFakeSource({
      content,
      chunkSize: CHUNK,
      name: 'kept.bin',
      gateAt: GATE * CHUNK,
    });
    const first = await start(configFile);

    // A fetch stuck at the gate: its partial state must survive the sweep.
    const control = createControlClient(first.grpc);
    closers.push(() => control.close());
    const fetchCall = control.Fetch(
      { sha256: sha, sources: [source.address] },
      { deadline: deadline(60_000) },
    );
    fetchCall.on('error', () => undefined);
    fetchCall.on('data', () => undefined);
    closers.push(() => fetchCall.cancel());
    const partial = join(dataDir, 'partial');
    await waitFor(
      async () => {
        const state = await readFile(join(partial, `${sha}.json`), 'utf8').catch(() => '');
        return (
          state.includes('"verified"') &&
          (await stat(join(partial, `${sha}.part`)).catch(() => null))
        );
      },
      { timeoutMs: 30_000, what: 'a partial fetch on disk' },
    );

    for (let i = 0; i < UPLOADS; i++) stalledUpload(first.rest, `upload-${i}.bin`, UPLOAD_BYTES);
    for (let i = 0; i < PUSHES; i++) stalledPush(first.grpc, `push-${i}.bin`, PUSH_BYTES);
    const tmp = join(dataDir, 'tmp');
    const expectedTmp = UPLOADS * UPLOAD_BYTES + PUSHES * PUSH_BYTES;
    await waitFor(async () => (await bytesIn(tmp)).bytes === expectedTmp, {
      timeoutMs: 30_000,
      what: `${expectedTmp} bytes in ${tmp}`,
    });
    daemon!.kill('SIGKILL');
    await daemon!.exited;
    daemon = undefined;

    // What other crashes leave: a half-written state file, a staging copy in the share.
    await writeFile(join(dataDir, 'index-cache.json.tmp'), 'x'.repeat(1000));
    const staging = join(shared, '.p2pd-0123456789ab.part');
    await writeFile(staging, randomContent(MiB));
    await utimes(staging, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const left = await bytesIn(tmp);
    expect(left).to.deep.equal({ files: UPLOADS + PUSHES, bytes: expectedTmp });
    const partialBefore = await bytesIn(partial);

    source.open();
    const second = await start(configFile);
    expect(await bytesIn(tmp)).to.deep.equal({ files: 0, bytes: 0 });
    expect(existsSync(staging)).to.equal(false);
    expect(existsSync(join(dataDir, 'index-cache.json.tmp'))).to.equal(false);

    const records = (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogRecord)
      .filter((r) => r.msg === 'removed temp files a previous run left behind');
    const inData = records.find((r) => r.where === 'in the data folder');
    const inShare = records.find((r) => r.where === 'in the share');
    expect(inData).to.include({ files: UPLOADS + PUSHES + 1, bytes: expectedTmp + 1000 });
    expect(inShare).to.include({ files: 1, bytes: MiB });
    expect(await metric(second.rest, 'p2pd_stale_bytes_reclaimed_total')).to.equal(
      expectedTmp + 1000 + MiB,
    );
    expect(await metric(second.rest, 'p2pd_stale_files_reclaimed_total')).to.equal(
      UPLOADS + PUSHES + 2,
    );
    // The fetch's partial state was kept, and the fetch resumes to the end.
    expect(partialBefore.files).to.equal(2);
    const target = join(shared, 'kept.bin');
    await waitFor(() => existsSync(target), { timeoutMs: 60_000, what: 'the resumed fetch' });
    expect(await sha256OfFile(target)).to.equal(sha);
    console.log(
      `      reclaimed ${UPLOADS} uploads + ${PUSHES} pushes: ${expectedTmp} bytes in tmp/, ` +
        `${expectedTmp + 1000 + MiB} bytes in all; the fetch resumed`,
    );

    daemon!.kill('SIGTERM');
    expect((await daemon!.exited).code).to.equal(0);
    daemon = undefined;
  });
});
