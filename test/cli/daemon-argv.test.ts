import { expect } from 'chai';
import yargs, { type Argv } from 'yargs';
import { parseDaemonArgv } from '../../src/cli/daemon-argv.js';
import { daemonCommand, type DaemonArgs } from '../../src/cli/daemon-command.js';

/** What the yargs daemon command makes of argv, reduced to the daemon's flags. */
function viaYargs(argv: string[]): DaemonArgs {
  const builder = daemonCommand.builder as (y: Argv) => Argv<DaemonArgs>;
  const parsed = builder(yargs(argv).strict()).parseSync();
  return {
    config: parsed.config,
    'grpc-port': parsed['grpc-port'],
    'rest-port': parsed['rest-port'],
    'shared-dir': parsed['shared-dir'],
    bootstrap: parsed.bootstrap,
    id: parsed.id,
  };
}

describe('the daemon flags read without yargs', () => {
  const taken = [
    ['--config', 'peer1.json'],
    ['-c', 'peer1.json'],
    ['--config=peer1.json'],
    ['-c', 'p.json', '--grpc-port', '50071', '--rest-port=0', '--shared-dir', 'share', '--id', 'x'],
    ['-c', 'p.json', '--bootstrap', '127.0.0.1:1', '--bootstrap', '127.0.0.1:2'],
  ];
  for (const argv of taken) {
    it(`reads ${argv.join(' ')} as yargs does`, () => {
      expect(parseDaemonArgv(argv)).to.deep.equal(viaYargs(argv));
    });
  }

  const leftToYargs = [
    [],
    ['status'],
    ['--help'],
    ['--version'],
    ['-c', 'p.json', 'extra'],
    ['-c', 'p.json', '--bootstrap', 'a:1', 'b:2'],
    ['-c', 'a.json', '-c', 'b.json'],
    ['-c', 'p.json', '--grpc-port', 'abc'],
    ['-c', 'p.json', '--grpc-port', '1e3'],
    ['-c', 'p.json', '--grpcPort', '1'],
    ['-c', 'p.json', '--unknown'],
    ['--grpc-port', '1'],
  ];
  for (const argv of leftToYargs) {
    it(`leaves "${argv.join(' ')}" to yargs`, () => {
      expect(parseDaemonArgv(argv)).to.equal(undefined);
    });
  }
});
