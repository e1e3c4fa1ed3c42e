// `vm ...`: the VM lifecycle in fly.io's command forms (`fly machine run|list|status|start|stop|
// suspend|restart|destroy|wait`). Input is checked here with the gate's own words before
// anything is sent; the host's answers (409 invalid_state with the allowed operations, timeouts)
// are printed as they come.

import { ApiError } from '../../errors';
import type { Vm } from '../../types';
import { checkIdempotencyKey, validateLaunchText } from '../../validation';
import { type CommandContext, type CommandRunner, call, print, textFlag } from '../context';
import { EXIT } from '../env';
import { shortTime, vmStateStyle, vmsTable } from '../format';
import { jsonLines } from '../json-lines';
import { launchRetrying, newIdempotencyKey } from '../launch-retry';
import { paint } from '../paint';
import { LocalInputError, UsageError } from '../usage-error';
import { VM_SUBCOMMANDS, type VmSubcommand } from '../vm-grammar';

const MB_PER_GB = 1024;

export const vm: CommandRunner = async (ctx) => {
  const sub = ctx.positionals[0] as VmSubcommand;
  if (!(VM_SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`vm: unknown subcommand '${sub}' (${VM_SUBCOMMANDS.join(', ')})`, 'vm');
  }
  const id = ctx.positionals[1];
  if (sub === 'run') return run(ctx);
  if (sub === 'list' || sub === 'ls') return list(ctx);
  if (id === undefined) throw new UsageError(`vm ${sub} needs a VM id (e.g. vm ${sub} vm-3f9c2a71)`, 'vm');
  onlyFlags(ctx, sub, sub === 'wait' ? ['state', 'timeout'] : sub === 'destroy' || sub === 'rm' ? ['force'] : []);
  const api = ctx.env.api;
  switch (sub) {
    case 'status':
      return show(ctx, await call(ctx, api.vm(id)));
    case 'start':
    case 'stop':
    case 'suspend':
    case 'restart':
      return show(ctx, await call(ctx, api.operate(id, sub)));
    case 'destroy':
    case 'rm':
      return show(ctx, await call(ctx, api.destroy(id, { force: ctx.flags.force === true })));
    case 'wait':
      return wait(ctx, id);
  }
};

/** `vm run -r REGION --vm-cpus N --vm-memory MB [--wait]`: a launch in flyctl's units. */
async function run(ctx: CommandContext): Promise<number> {
  const { flags, env, io } = ctx;
  onlyFlags(ctx, 'run', ['vm-region', 'vm-memory', 'vm-cpus', 'vm-cores', 'wait', 'idempotency-key']);
  if (ctx.positionals.length > 2) throw new UsageError(`unexpected argument '${ctx.positionals[2]}' for vm run`, 'vm');
  const cpus = textFlag(flags, 'vm-cpus');
  const cores = textFlag(flags, 'vm-cores');
  if (cpus !== undefined && cores !== undefined && cpus !== cores) {
    throw new UsageError('--vm-cpus and --vm-cores say different things; give one', 'vm');
  }
  const region = textFlag(flags, 'vm-region');
  const mb = textFlag(flags, 'vm-memory');
  if (region === undefined) throw new UsageError('vm run needs -r/--region (e.g. -r sin)', 'vm');
  if (mb === undefined) throw new UsageError('vm run needs --vm-memory in MB, as flyctl takes it (e.g. 1024)', 'vm');
  if ((cpus ?? cores) === undefined) throw new UsageError('vm run needs --vm-cpus (e.g. 1)', 'vm');
  const req = locally(() => validateLaunchText({ region, memory_gb: gbOf(mb), cores: cpus ?? cores }, undefined));
  const key = locally(() => checkIdempotencyKey(textFlag(flags, 'idempotency-key')) ?? newIdempotencyKey());
  const wait = flags.wait === true ? 'started' : undefined;
  const launched = await launchRetrying(env.api, req, key, io, ctx.color, wait);
  if (ctx.json) return print(io, jsonLines(launched));
  print(io, [vmLine(launched, ctx.color)]);
  return launched.state === 'failed' ? EXIT.failed : EXIT.ok;
}

/** flyctl's --vm-memory is MB; Flylight allocates whole GB, so only whole GB in MB are taken. */
function gbOf(mb: string): string {
  if (!/^\d{1,7}$/.test(mb)) throw new UsageError(`--vm-memory is MB in a \`vm run\` (e.g. 1024); got '${mb}'`, 'vm');
  const n = Number(mb);
  if (n === 0 || n % MB_PER_GB !== 0) {
    const down = Math.floor(n / MB_PER_GB) * MB_PER_GB;
    const near = [down, down + MB_PER_GB].filter((x) => x > 0).join(' or ');
    throw new UsageError(`--vm-memory ${n} MB is not whole GB (Flylight allocates whole GB): try ${near}`, 'vm');
  }
  return String(n / MB_PER_GB);
}

async function list(ctx: CommandContext): Promise<number> {
  onlyFlags(ctx, ctx.positionals[0], ['vm-region']);
  if (ctx.positionals.length > 1) throw new UsageError(`unexpected argument '${ctx.positionals[1]}' for vm list`, 'vm');
  const region = textFlag(ctx.flags, 'vm-region');
  const vms = await call(ctx, ctx.env.api.vms(region));
  if (ctx.json) return print(ctx.io, jsonLines({ vms }));
  if (vms.length === 0) return print(ctx.io, [region ? `No VMs in ${region.toUpperCase()}.` : 'No VMs.']);
  return print(ctx.io, vmsTable(vms, { color: ctx.color, width: ctx.io.columns }));
}

/** `vm wait ID --state S --timeout 10s`: 0 once reached, 1 on timeout or when it cannot get there. */
async function wait(ctx: CommandContext, id: string): Promise<number> {
  const state = textFlag(ctx.flags, 'state') ?? 'started';
  const raw = textFlag(ctx.flags, 'timeout');
  const seconds = raw === undefined ? undefined : secondsOf(raw);
  const reached = await call(ctx, ctx.env.api.wait(id, state, seconds));
  return show(ctx, reached);
}

/** 10s, 1m, 500ms (rounded up to whole seconds) or plain seconds; 1 to 60 s, as fly's /wait. */
export function secondsOf(raw: string): number {
  const m = /^(\d{1,6})(ms|s|m)?$/.exec(raw.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  const s = !m ? Number.NaN : m[2] === 'ms' ? Math.ceil(n / 1000) : m[2] === 'm' ? n * 60 : n;
  if (!(s >= 1 && s <= 60)) {
    throw new UsageError(`--timeout must be from 1s to 60s (as 10s, 1m or seconds); got '${raw}'`, 'vm');
  }
  return s;
}

function show(ctx: CommandContext, v: Vm): number {
  if (ctx.json) return print(ctx.io, jsonLines(v));
  return print(ctx.io, [vmLine(v, ctx.color)]);
}

/** One line per VM: id, state (coloured), where, size, reason when there is one. */
export function vmLine(v: Vm, color: boolean): string {
  const why = v.reason ? ` (${v.reason})` : '';
  const when = v.updated_at ? ` since ${shortTime(v.updated_at)}` : '';
  return (
    `${paint(v.id, 'bold', color)} ${paint(v.state, vmStateStyle(v.state), color)}${why}${when} · ` +
    `${v.region} on ${v.machine_id} · ${v.memory_gb} GB, ${v.cores} ${v.cores === 1 ? 'core' : 'cores'}`
  );
}

/** A `vm` subcommand given a flag that belongs to another: said, rather than ignored. */
function onlyFlags(ctx: CommandContext, sub: string, allowed: readonly string[]): void {
  const own = ['vm-region', 'vm-memory', 'vm-cpus', 'vm-cores', 'force', 'state', 'timeout', 'wait', 'idempotency-key'];
  for (const name of Object.keys(ctx.flags)) {
    if (own.includes(name) && !allowed.includes(name)) {
      throw new UsageError(`--${name} does not go with vm ${sub}`, 'vm');
    }
  }
}

/** Runs a local check; what it throws is the command line's fault (exit 2), not the API's. */
function locally<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new LocalInputError(err instanceof ApiError || err instanceof Error ? err.message : String(err));
  }
}

/** fly's `machine run` here: one line that says what a fly Machine is in Flylight. */
export const MACHINE_RUN_NOTE =
  'In Flylight a fly Machine is a VM (a machine is the physical host): use `flylight vm run -r REGION --vm-cpus N --vm-memory MB`.';

/** `machine run ...` (fly's word): prints MACHINE_RUN_NOTE and exits 2, having run nothing. */
export const machineRun: CommandRunner = (ctx) => {
  ctx.io.err(MACHINE_RUN_NOTE);
  return EXIT.usage;
};
