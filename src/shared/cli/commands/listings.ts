// The commands that read or change one thing and print it: regions, machines, vms, destroy and
// status. Each prints JSON under --json, a table or a line otherwise.

import { type CommandRunner, call, print, textFlag } from '../context';
import { destroyedLine, machinesTable, regionsTable, statusLines, vmsTable } from '../format';
import { jsonLines } from '../json-lines';

export const regions: CommandRunner = async (ctx) => {
  const { env, io, color, json, flags } = ctx;
  let list = await call(ctx, env.api.regions());
  const filter = textFlag(flags, 'filter');
  if (filter) list = list.filter((r) => r.status.toLowerCase().includes(filter.toLowerCase()));
  const key = (textFlag(flags, 'sort') ?? 'code') as 'code' | 'location' | 'status';
  list = [...list].sort((a, b) => byText(a[key], b[key]) || byText(a.code, b.code));
  if (json) return print(io, jsonLines({ regions: list }));
  if (list.length === 0) {
    return print(io, [filter ? `No region has a status matching '${filter}'.` : 'No regions are loaded.']);
  }
  return print(io, regionsTable(list, { color, width: io.columns }));
};

/**
 * Plain code-unit order: localeCompare would load ICU's collator on its first call, ~40 ms of
 * a CLI run that otherwise costs little more than starting Node.
 */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const machines: CommandRunner = async (ctx) => {
  const { env, io, color, json, positionals } = ctx;
  const list = await call(ctx, env.api.machines(positionals[0]));
  if (json) return print(io, jsonLines({ machines: list }));
  if (list.length === 0) return print(io, [`Region ${positionals[0].toUpperCase()} has no machines.`]);
  return print(io, machinesTable(list, { color, width: io.columns }));
};

export const vms: CommandRunner = async (ctx) => {
  const { env, io, color, json, flags } = ctx;
  const region = textFlag(flags, 'vm-region');
  const list = await call(ctx, env.api.vms(region));
  if (json) return print(io, jsonLines({ vms: list }));
  if (list.length === 0) return print(io, [region ? `No VMs in ${region.toUpperCase()}.` : 'No VMs.']);
  return print(io, vmsTable(list, { color, width: io.columns }));
};

export const destroy: CommandRunner = async (ctx) => {
  const vm = await call(ctx, ctx.env.api.destroy(ctx.positionals[0]));
  if (ctx.json) return print(ctx.io, jsonLines(vm));
  return print(ctx.io, [destroyedLine(vm, ctx.color)]);
};

export const status: CommandRunner = async (ctx) => {
  const st = await call(ctx, ctx.env.api.status());
  if (ctx.json) return print(ctx.io, jsonLines(st));
  return print(ctx.io, statusLines(st, ctx.color));
};
