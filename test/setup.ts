// Mocha root hooks (loaded by .mocharc.json for every run): a daemon whose
// config names no log file logs under $XDG_STATE_HOME, which here is a temp
// folder, never the real ~/.local/state. Set in process.env, so spawned
// daemons inherit it too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checked } from './fixtures/openapi-check.js';

let stateHome: string | undefined;
let saved: string | undefined;

export const mochaHooks = {
  beforeAll(): void {
    saved = process.env.XDG_STATE_HOME;
    stateHome = mkdtempSync(join(tmpdir(), 'p2pd-state-'));
    process.env.XDG_STATE_HOME = stateHome;
  },
  afterAll(): void {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
    if (stateHome) rmSync(stateHome, { recursive: true, force: true });
    if (checked.size > 0) {
      const answers = [...checked.values()].reduce((a, b) => a + b, 0);
      const operations = new Set(
        [...checked.keys()].map((k) => k.split(' ').slice(0, 2).join(' ')),
      );
      console.log(
        `  [figures] OpenAPI: ${answers} REST answers checked against the served document, ` +
          `${operations.size} operations, ${checked.size} operation-status pairs`,
      );
    }
  },
};
