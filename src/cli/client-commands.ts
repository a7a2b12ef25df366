// Client commands that talk to a running daemon's ControlService.
import type { CommandModule } from 'yargs';

export const clientCommands: CommandModule[] = [];
