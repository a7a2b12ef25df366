// npm's prepare step: build dist/. `npm install -g .` from a fresh clone runs
// it before the clone has its devDependencies (the compiler), so they are
// installed here first when missing: locally (not with the global install's
// settings), without scripts (so this does not run again).
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
for (const key of Object.keys(env)) {
  if (/^npm_config_(global|prefix|location)$/i.test(key)) delete env[key];
}
const run = (command) => execSync(command, { stdio: 'inherit', cwd: root, env });
if (!existsSync(join(root, 'node_modules/typescript/bin/tsc'))) {
  run('npm install --include=dev --no-audit --no-fund --ignore-scripts --global=false');
}
run('npm run build');
