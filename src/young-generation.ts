// Startup loads some 20 MiB that all survives: modules, zod schemas, proto
// descriptors, route tables. V8 reads that survival rate as a busy program and
// grows the young generation to its maximum (16 MiB resident in Node 20), which
// an idle daemon then keeps until V8's memory reducer runs, some 15 s later.
// bin/p2pd holds the young generation at its initial size while the daemon
// starts; Daemon.start() gives V8 its default growth back, so load sizes it as
// before (holding it for good costs ~8% of transfer throughput).
import { setFlagsFromString } from 'node:v8';

/** V8's default --semi-space-growth-factor. */
const DEFAULT_GROWTH = 2;

/** A growth factor given on the command line or in NODE_OPTIONS is left alone. */
function chosenByUser(): boolean {
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  return flags.includes('semi-space-growth-factor');
}

export function holdYoungGeneration(): void {
  if (!chosenByUser()) setFlagsFromString('--semi-space-growth-factor=1');
}

export function releaseYoungGeneration(): void {
  if (!chosenByUser()) setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH}`);
}
