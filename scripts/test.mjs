// The test suite (`npm test`, after the build). Tests that spend most of
// their time waiting (a 60 s partition, 30 s rate measurements, NATS
// elections, route timeouts, npm installs) run in a second mocha beside the
// rest instead of after it: ~10 min became ~7 on 2 cores. The rest streams
// its output as usual; the waiting tests' output is printed when they end.
// Either failing fails it; arguments (`npm test -- -g name`) go to both.
import { spawn } from 'node:child_process';

const WAITING = [
  'dist/test/overlay/multi-host.test.js',
  'dist/test/transfer/bandwidth-hosts.test.js',
  'dist/test/transfer/bandwidth-loopback.test.js',
  'dist/test/nat/nat-hosts.test.js',
  'dist/test/nat/punch-hosts.test.js',
  'dist/test/overlay/black-hole.test.js',
  'dist/test/events/nats-cluster.test.js',
  'dist/test/install/global-install.test.js',
];
const args = process.argv.slice(2);
const mocha = (files, stdio) => spawn('node_modules/.bin/mocha', [...files, ...args], { stdio });
const exited = (child) =>
  new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

const waiting = mocha(WAITING, ['ignore', 'pipe', 'pipe']);
let held = '';
waiting.stdout.on('data', (d) => (held += d));
waiting.stderr.on('data', (d) => (held += d));
const rest = mocha(
  ['dist/test/**/*.test.js', ...WAITING.flatMap((f) => ['--ignore', f])],
  'inherit',
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    waiting.kill(signal);
    rest.kill(signal);
  });
}
const [restCode, waitingCode] = await Promise.all([exited(rest), exited(waiting)]);
process.stdout.write(`\n  (the real-time tests, run beside the others)\n${held}`);
process.exit(restCode || waitingCode);
