// Which function runs each command: one entry per command name the specs define, so a new
// command is a spec in command-specs.ts and a line here.

import type { CommandName } from './command-specs';
import { cluster } from './commands/cluster';
import { completion } from './commands/completion';
import { chaos, machine, region } from './commands/faults';
import { launch } from './commands/launch';
import { destroy, machines, regions, status, vms } from './commands/listings';
import { load } from './commands/load';
import { logs } from './commands/logs';
import { place, platform } from './commands/place';
import { reset } from './commands/reset';
import { scenario } from './commands/scenario';
import { serve, token } from './commands/terminal';
import { vm } from './commands/vm';
import { watch } from './commands/watch';
import type { CommandRunner } from './context';

/** `help` and `version` are answered while the line is read, before any command runs. */
export const COMMAND_RUNNERS: Readonly<Record<Exclude<CommandName, 'help' | 'version'>, CommandRunner>> = {
  regions,
  machines,
  launch,
  place,
  platform,
  vms,
  destroy,
  status,
  cluster,
  watch,
  logs,
  reset,
  load,
  token,
  serve,
  machine,
  region,
  chaos,
  vm,
  scenario,
  completion,
};
