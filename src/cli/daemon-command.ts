// `p2pd [--config file]`: runs the daemon until SIGINT/SIGTERM.
import { setLogger } from '@grpc/grpc-js';
import type { CommandModule } from 'yargs';
import { loadConfigFile } from '../config/load.js';
import type { Daemon } from '../daemon.js';
import { ConfigError } from '../errors.js';
import { grpcLogSink } from '../logger.js';

export interface DaemonArgs {
  config?: string;
  'grpc-port'?: number;
  'rest-port'?: number;
  'shared-dir'?: string;
  bootstrap?: string[];
  id?: string;
}

/** Exit codes: 0 clean stop, 1 failed start, 2 bad config, 130 forced stop. */
export const daemonCommand: CommandModule<object, DaemonArgs> = {
  command: '$0',
  describe: 'Run the daemon (the default command)',
  builder: (y) =>
    y
      .option('config', {
        alias: 'c',
        type: 'string',
        describe: 'Path of the peer config (JSON); required to run the daemon',
      })
      .option('grpc-port', { type: 'number', describe: 'Override grpc.port' })
      .option('rest-port', { type: 'number', describe: 'Override rest.port' })
      .option('shared-dir', { type: 'string', describe: 'Override sharedDir' })
      .option('bootstrap', {
        type: 'string',
        array: true,
        describe: 'Override bootstrap peers (host:port, repeatable)',
      })
      .option('id', { type: 'string', describe: 'Override the peer id' }),
  handler: async (args) => {
    if (args.config === undefined) {
      // Checked here, not demanded through yargs, so "p2pd statu" reads as an unknown argument.
      console.error('p2pd: --config <file> is required to run the daemon (see "p2pd --help")');
      process.exit(2);
    }
    let daemon: Daemon;
    try {
      const config = loadConfigFile(args.config, {
        grpcPort: args['grpc-port'],
        restPort: args['rest-port'],
        sharedDir: args['shared-dir'],
        bootstrap: args.bootstrap,
        id: args.id,
      });
      // Loaded only once the config is good, so a refusal is quick.
      const { Daemon } = await import('../daemon.js');
      daemon = new Daemon(config);
      setLogger(grpcLogSink(daemon.logger.child({ component: 'grpc-js' })));
    } catch (err) {
      console.error(`p2pd: config error: ${(err as Error).message}`);
      process.exit(err instanceof ConfigError ? 2 : 1);
    }
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (++signals > 1) {
        console.error('p2pd: forced exit');
        process.exit(130);
      }
      void daemon.stop(signal).then(() => process.exit(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await daemon.start();
    } catch (err) {
      console.error(`p2pd: cannot start: ${(err as Error).message}`);
      process.exit(1);
    }
  },
};
