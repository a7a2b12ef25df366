// Client commands that talk to a running daemon's ControlService. Each lives
// in its own file and is built with clientCommand() (daemon-client.ts).
import type { CommandModule } from 'yargs';
import { eventsCommand } from './events-command.js';
import { filesCommand } from './files-command.js';
import { getCommand } from './get-command.js';
import { limitCommand } from './limit-command.js';
import { pushCommand } from './push-command.js';
import { connectCommand, disconnectCommand, peersCommand } from './peers-command.js';
import { searchCommand } from './search-command.js';
import { statusCommand } from './status-command.js';

export const clientCommands = [
  statusCommand,
  filesCommand,
  getCommand,
  pushCommand,
  eventsCommand,
  peersCommand,
  connectCommand,
  disconnectCommand,
  searchCommand,
  limitCommand,
] as unknown as CommandModule[];
