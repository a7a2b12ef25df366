// The p2pd command line: parses arguments and dispatches; nothing else.
// The plain daemon invocation skips yargs: see daemon-argv.ts.
import { parseDaemonArgv } from './daemon-argv.js';
import { daemonCommand } from './daemon-command.js';

const daemonArgs = parseDaemonArgv(process.argv.slice(2));
if (daemonArgs) {
  await daemonCommand.handler({ ...daemonArgs, _: [], $0: 'p2pd' });
} else {
  await runYargs();
}

async function runYargs(): Promise<void> {
  const { default: yargs } = await import('yargs');
  const { hideBin } = await import('yargs/helpers');
  const { clientCommands } = await import('./client-commands.js');
  const { demoCommand } = await import('./demo-command.js');
  const { withSuggestion } = await import('./suggest.js');
  const names = [...clientCommands, demoCommand].map((c) => String(c.command).split(' ')[0]!);
  const { EXIT } = await import('./daemon-client.js');
  await yargs(hideBin(process.argv))
    .scriptName('p2pd')
    .usage('p2pd: a peer-to-peer file-sharing daemon\n\nRun a peer:  p2pd --config peer1.json')
    .command(daemonCommand)
    .command(clientCommands)
    .command(demoCommand)
    .example('p2pd --config config/peer1.json', 'Run the peer described by config/peer1.json')
    .example('p2pd status --config config/peer1.json', 'Ask that peer how it is doing')
    .example('p2pd files beatles --addr 127.0.0.1:50052', 'List matching files of another daemon')
    .example('p2pd get <sha256> --from 127.0.0.1:50053', 'Fetch a file from a peer into the daemon')
    .example('p2pd push song.mp3 --to 127.0.0.1:50052', 'Upload a shared file to another peer')
    .example('p2pd events --types "download.*" --json', 'Follow transfers as JSON lines')
    .example('p2pd search let it be -c config/peer1.json', 'Search the whole network from peer1')
    .example('p2pd limit --up 5MiB/s', 'Keep uploads to 5 MiB/s from now on')
    .example('p2pd demo --peers 3', 'Run three local peers with sample files, to try it out')
    .epilogue(
      'Client commands reach the daemon at --addr (default 127.0.0.1:50051) or at the gRPC ' +
        'address in --config; "p2pd <command> --help" lists their flags.\n' +
        'Exit codes: 0 ok, 1 failure (daemon unreachable, call refused, start failed), ' +
        '2 bad config or arguments, 130 forced stop.',
    )
    .strict()
    .demandCommand(0)
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      console.error(
        `p2pd: ${withSuggestion(msg ?? err?.message ?? '', names)} (see "p2pd --help")`,
      );
      process.exit(EXIT.usage);
    })
    .parseAsync();
}
