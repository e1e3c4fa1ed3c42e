// `reset`: destroys every VM and returns the fleet to its bootstrap state, after the person at
// the terminal types 'reset' (or at once with --yes, the only way where nobody can be asked).

import { type CommandRunner, call, print } from '../context';
import { resetLine } from '../format';
import { jsonLines } from '../json-lines';
import { CommandFailure, UsageError } from '../usage-error';

export const reset: CommandRunner = async (ctx) => {
  const { env, io, flags, json, color } = ctx;
  if (flags.yes !== true) {
    if (!io.prompt) {
      throw new UsageError(
        env.where === 'console'
          ? "reset destroys every VM and returns the fleet to its bootstrap state: type `reset --yes` to do it (or use Reset fleet… in the dashboard's menu)"
          : 'reset destroys every VM, and there is no terminal here to confirm it: pass --yes to reset without asking',
        'reset',
      );
    }
    const vms = (await call(ctx, env.api.status())).fleet.vms;
    const answer = await call(ctx, io.prompt(resetQuestion(vms)));
    if (answer?.trim() !== 'reset') throw new CommandFailure('cancelled', 'reset cancelled: nothing was changed');
  }
  const report = await call(ctx, env.api.reset());
  if (json) return print(io, jsonLines(report));
  return print(io, [resetLine(report, color)]);
};

export function resetQuestion(vms: number): string {
  const what =
    vms === 0
      ? 'There are no VMs. This returns every machine to its bootstrap state.'
      : vms === 1
        ? 'This destroys the one VM and returns the fleet to its bootstrap state.'
        : `This destroys all ${vms} VMs and returns the fleet to its bootstrap state.`;
  return `${what} Type 'reset' to confirm: `;
}
