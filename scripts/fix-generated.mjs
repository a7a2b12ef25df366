// proto-loader-gen-types writes extensionless relative imports; Node ESM
// (moduleResolution NodeNext) needs them to end in .js.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const root = new URL('../src/generated/', import.meta.url).pathname;
for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/from '(\.{1,2}\/[^']+?)(?<!\.js)'/g, "from '$1.js'"));
}
