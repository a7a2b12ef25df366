// The collections a fetch asks for (src/heap-collect.ts), seen in V8's own
// trace, in a node run as bin/p2pd runs it (--expose-gc).
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const moduleUrl = new URL('../src/heap-collect.js', import.meta.url).href;

/** Major collections V8 reports while a script feeds `storedBytes` the given counts, in order. */
async function majorCollections(flags: string[], counts: string): Promise<number[]> {
  const script = `
    const { storedBytes, COLLECT_EVERY } = await import(${JSON.stringify(moduleUrl)});
    for (const n of ${counts}) {
      storedBytes(n);
      await new Promise((r) => setTimeout(r, 50)); // an async collection runs as a task
      console.log('step');
    }`;
  const { stdout } = await run(process.execPath, [...flags, '--input-type=module', '-e', script]);
  // Mark-Compact lines between the 'step' marks: one count per step.
  const perStep: number[] = [0];
  for (const line of stdout.split('\n')) {
    if (line === 'step') perStep.push(0);
    else if (/Mark-Compact/.test(line)) perStep[perStep.length - 1]!++;
  }
  return perStep.slice(0, -1);
}

describe('heap collections asked for by fetches', () => {
  it('collects with the first chunk, then once every COLLECT_EVERY bytes stored', async () => {
    const steps = await majorCollections(
      ['--expose-gc', '--trace-gc'],
      '[1, COLLECT_EVERY - 2, 1, 1, COLLECT_EVERY]',
    );
    expect(steps).to.deep.equal([1, 0, 0, 1, 1]);
  });

  it('does nothing where gc is not exposed', async () => {
    const steps = await majorCollections(['--trace-gc'], '[1, COLLECT_EVERY]');
    expect(steps).to.deep.equal([0, 0]);
  });
});
