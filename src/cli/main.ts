// The p2pd command line: parses arguments and dispatches; nothing else.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { daemonCommand } from './daemon-command.js';
import { clientCommands } from './client-commands.js';

await yargs(hideBin(process.argv))
  .scriptName('p2pd')
  .usage('p2pd: a peer-to-peer file-sharing daemon\n\nRun a peer:  p2pd --config peer1.json')
  .command(daemonCommand)
  .command(clientCommands)
  .strict()
  .demandCommand(0)
  .recommendCommands()
  .help()
  .alias('h', 'help')
  .version()
  .wrap(Math.min(100, process.stdout.columns || 100))
  .parseAsync();
