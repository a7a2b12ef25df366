// What a user does with a release: `npm pack`, a global install of the
// tarball (into a temp prefix here), then `p2pd --config peer.json` from
// another folder, with `p2pd` found on the PATH. Proves the tarball ships
// everything the daemon loads (dist/, the .proto, the web UI). And what one
// does with the repository: `npm install -g .` in a fresh clone.
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../fixtures/peers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 240_000 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`))
        : resolve(stdout),
    );
  });
}

/** From npm's cache where it can (CI's `npm ci` just filled it), and no chatter. */
const QUIET = ['--prefer-offline', '--no-audit', '--no-fund'];

describe('install: npm pack, global install, p2pd --config', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-install-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a peer from the installed tarball, from another folder', async () => {
    // `npm test` has just built dist/; prepack would build it again.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'))!;
    expect(tarball).to.match(/^p2pd-\d+\.\d+\.\d+\.tgz$/);
    const prefix = join(dir, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, ...QUIET, join(dir, tarball)], dir);
    await startsAPeer(prefix, 'tarball');
  });

  it('installs with npm install -g . from a fresh clone (which has no dist/ and no compiler yet)', async () => {
    const clone = join(dir, 'clone');
    await run('git', ['clone', '--quiet', '--depth', '1', `file://${ROOT}`, clone], dir);
    const prefix = join(dir, 'clone-prefix');
    await run('npm', ['install', '-g', '.', '--prefix', prefix, ...QUIET], clone);
    await startsAPeer(prefix, 'clone');
  });

  /** `p2pd --config peer.json` run from a folder of its own, found on the PATH under `prefix`. */
  async function startsAPeer(prefix: string, name: string): Promise<void> {
    const home = join(dir, `elsewhere-${name}`);
    await mkdir(join(home, 'share'), { recursive: true });
    await writeFile(join(home, 'share', 'hello.txt'), 'hello from an installed peer\n');
    await writeFile(
      join(home, 'peer.json'),
      JSON.stringify({
        id: 'installed',
        sharedDir: './share',
        grpc: { host: '127.0.0.1', port: 0 },
        rest: { host: '127.0.0.1', port: 0 },
        log: { file: './p2pd.log', level: 'info' },
      }),
    );
    const child = spawn('p2pd', ['--config', 'peer.json'], {
      cwd: home,
      env: { ...process.env, PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      const rest = await waitFor(() => /REST (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], {
        timeoutMs: 30_000,
        what: `the installed p2pd to start (output so far: ${output})`,
      });
      const status = await waitFor(
        async () => {
          const s = (await (await fetch(`${rest}/api/v1/status`)).json()) as { files: number };
          return s.files === 1 ? s : undefined;
        },
        { timeoutMs: 15_000, what: 'the share to be indexed' },
      );
      expect(status).to.include({ id: 'installed', files: 1 });
      const ui = await fetch(`${rest}/`);
      expect(ui.status, 'the web UI ships in the tarball').to.equal(200);
      console.log(`      ${output.split('\n')[0]!.replace(/\s*\{.*$/, '')}`);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, output).to.equal(0);
  }
});
