// A config the daemon refuses: the real binary exits 2 with ONE stderr line
// naming the file, the field and the problem.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runP2pd } from '../fixtures/spawn.js';

interface Case {
  what: string;
  /** The file's text, or an object to write as JSON; undefined: no file at all. */
  content?: string | Record<string, unknown>;
  field: string;
  problem: RegExp;
}

describe('config errors (real binary)', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-config-'));
    await writeFile(join(dir, 'a-file'), 'not a folder');
    await mkdir(join(dir, 'share'));
    await symlink('share', join(dir, 'share-link'));
  });
  after(async () => {
    await chmod(join(dir, 'locked'), 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  const ok = { sharedDir: './share', grpc: { port: 0 }, rest: { port: 0 } };
  const cases: Case[] = [
    { what: 'a missing file', field: '', problem: /file not found/ },
    { what: 'invalid JSON', content: '{"sharedDir": "./s",', field: '', problem: /invalid JSON/ },
    { what: 'a JSON array', content: '[1, 2]', field: '', problem: /expected a JSON object/ },
    {
      what: 'an unknown top-level key',
      content: { ...ok, colour: 'blue' },
      field: 'colour',
      problem: /unknown key/,
    },
    {
      what: 'an unknown nested key',
      content: { ...ok, grpc: { port: 0, hots: 'x' } },
      field: 'grpc.hots',
      problem: /unknown key/,
    },
    {
      what: 'a wrong type (port as a string)',
      content: { ...ok, grpc: { port: '50051' } },
      field: 'grpc.port',
      problem: /expected number, got string "50051"/,
    },
    {
      what: 'a wrong type (watch as a string)',
      content: { ...ok, index: { watch: 'yes' } },
      field: 'index.watch',
      problem: /expected boolean/,
    },
    {
      what: 'a wrong type (bootstrap not an array)',
      content: { ...ok, bootstrap: '127.0.0.1:1' },
      field: 'bootstrap',
      problem: /expected array/,
    },
    {
      what: 'a bad bootstrap address',
      content: { ...ok, bootstrap: ['127.0.0.1:1', 'h:99999'] },
      field: 'bootstrap[1]',
      problem: /host:port/,
    },
    {
      what: 'a missing sharedDir',
      content: { grpc: { port: 0 } },
      field: 'sharedDir',
      problem: /is required/,
    },
    {
      what: 'grpc.port 70000',
      content: { ...ok, grpc: { port: 70000 } },
      field: 'grpc.port',
      problem: /65535/,
    },
    {
      what: 'rest.port -1',
      content: { ...ok, rest: { port: -1 } },
      field: 'rest.port',
      problem: />=0/,
    },
    {
      what: 'a fractional port',
      content: { ...ok, rest: { port: 80.5 } },
      field: 'rest.port',
      problem: /integer/,
    },
    {
      what: 'a sharedDir under a regular file',
      content: { ...ok, sharedDir: './a-file/share' },
      field: 'sharedDir',
      problem: /cannot use folder .*a-file\/share: part of the path is a file/,
    },
    {
      what: 'a sharedDir that is a regular file',
      content: { ...ok, sharedDir: './a-file' },
      field: 'sharedDir',
      problem: /cannot use folder .*a-file: it is a file, not a folder/,
    },
    {
      what: 'a log file under a regular file',
      content: { ...ok, log: { file: './a-file/p2pd.log' } },
      field: 'log.file',
      problem: /cannot use folder/,
    },
    ...['a.b', 'a b', '*', '>', ''].map((id) => ({
      what: `id ${JSON.stringify(id)}`,
      content: { ...ok, id },
      field: 'id',
      problem: /NATS subject token/,
    })),
    {
      what: 'a non-loopback rest.host without rest.token',
      content: { ...ok, rest: { host: '0.0.0.0', port: 0 } },
      field: 'rest.token',
      problem: /required when rest\.host \(0\.0\.0\.0\) is not a loopback address/,
    },
    {
      what: 'a short grpc.token',
      content: { ...ok, grpc: { port: 0, token: 'short' } },
      field: 'grpc.token',
      problem: /8 characters/,
    },
    ...['./share/state', './share', './share-link/state'].map((dataDir) => ({
      what: `a dataDir inside the share (${dataDir})`,
      content: { ...ok, dataDir },
      field: 'dataDir',
      problem: /is inside sharedDir; use a folder outside it, or leave dataDir out/,
    })),
    {
      what: 'an unknown log level',
      content: { ...ok, log: { level: 'loud' } },
      field: 'log.level',
      problem: /expected one of/,
    },
    {
      what: 'a log.maxBytes below 64 KiB',
      content: { ...ok, log: { maxBytes: 1000 } },
      field: 'log.maxBytes',
      problem: />=65536/,
    },
    {
      what: 'a log.maxFiles of 0',
      content: { ...ok, log: { maxFiles: 0 } },
      field: 'log.maxFiles',
      problem: />=1/,
    },
    {
      what: 'a sharedDir on /proc',
      content: { ...ok, sharedDir: '/proc' },
      field: 'sharedDir',
      problem: /on the proc virtual file system|permission denied|not permitted/,
    },
    {
      what: 'an overlay.maxNeighborsPerHost of 0',
      content: { ...ok, overlay: { maxNeighborsPerHost: 0 } },
      field: 'overlay.maxNeighborsPerHost',
      problem: />=1/,
    },
    {
      what: 'a grpc.maxStreamsPerIp of 0',
      content: { ...ok, grpc: { port: 0, maxStreamsPerIp: 0 } },
      field: 'grpc.maxStreamsPerIp',
      problem: />=1/,
    },
    {
      what: 'a fractional nats.outbox.maxBytes',
      content: { ...ok, nats: { outbox: { maxBytes: 100_000.5 } } },
      field: 'nats.outbox.maxBytes',
      problem: /integer/,
    },
  ];
  // Root reads any folder, so an unreadable share can only be shown to other users.
  if (process.getuid?.() !== 0) {
    cases.push({
      what: 'a sharedDir that cannot be read',
      content: { ...ok, sharedDir: './locked/share' },
      field: 'sharedDir',
      problem: /permission denied/,
    });
  }

  for (const [i, c] of cases.entries()) {
    it(`refuses ${c.what}`, async () => {
      if (c.what.includes('cannot be read')) {
        await mkdir(join(dir, 'locked/share'), { recursive: true });
        await chmod(join(dir, 'locked'), 0o000);
      }
      const file = join(dir, `case-${i}.json`);
      if (c.content !== undefined) {
        await writeFile(
          file,
          typeof c.content === 'string' ? c.content : JSON.stringify(c.content),
        );
      }
      const r = await runP2pd(['--config', file], 20_000);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stdout).to.equal('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      const line = lines[0]!;
      expect(line.startsWith(`p2pd: config error: ${file}: `), line).to.equal(true);
      if (c.field) expect(line, line).to.include(`: ${c.field}: `);
      expect(line).to.match(c.problem);
      // A refused dataDir is not made first.
      if (c.field === 'dataDir') expect(existsSync(join(dir, 'share', 'state'))).to.equal(false);
    });
  }
});
