// Lints the OpenAPI document a daemon serves with Redocly's recommended rules,
// with and without a REST token (the document differs: security schemes).
// Needs `npm run build` first; `npm run lint` runs it.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../dist/src/config/load.js';
import { Daemon } from '../dist/src/daemon.js';

const dir = await mkdtemp(join(tmpdir(), 'p2pd-openapi-'));
let failed = false;
try {
  for (const token of [undefined, 'lint-token-0123456789abcdef']) {
    const raw = {
      id: token ? 'with-token' : 'open',
      sharedDir: join(dir, 'share'),
      dataDir: join(dir, token ? 'data-token' : 'data'),
      grpc: { host: '127.0.0.1', port: 0 },
      rest: { host: '127.0.0.1', port: 0, ...(token ? { token } : {}) },
      log: { file: join(dir, 'p2pd.log'), level: 'warn' },
    };
    const daemon = new Daemon(resolveConfig(raw, 'lint-openapi', dir), { console: false });
    await daemon.start();
    try {
      const res = await globalThis.fetch(
        `http://127.0.0.1:${daemon.rest.port}/api/v1/openapi.json`,
        {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        },
      );
      const file = join(dir, `openapi-${raw.id}.json`);
      await writeFile(file, await res.text());
      console.log(`openapi.json ${token ? 'with' : 'without'} rest.token:`);
      const run = spawnSync(
        join(import.meta.dirname, '../node_modules/.bin/redocly'),
        ['lint', '--extends', 'recommended', file],
        {
          encoding: 'utf8',
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        },
      );
      // Its box about Node 20's end of life is noise here; the findings are not.
      const out = `${run.stdout}${run.stderr}`
        .split('\n')
        .filter((l) => l.trim() && !/[║╔╚]/.test(l))
        .join('\n');
      console.log(out);
      // Warnings fail too: the recommended rules are the bar, not just their errors.
      if (run.status !== 0 || /warning/i.test(out) || !/is valid/.test(out)) failed = true;
    } finally {
      await daemon.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
