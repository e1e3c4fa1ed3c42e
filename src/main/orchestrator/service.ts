// The OrchestratorService as other threads see it. A plain object with exactly the contract's
// methods: serveRpc dispatches by name, so nothing else of Infrastructure (its peeks for tests
// above all) is reachable from another worker.

import { ApiError } from '../../shared/errors';
import type { Remote } from '../../shared/rpc';
import type { CallMeta, LaunchAnswer, OrchestratorService } from '../../shared/services';
import type { Vm } from '../../shared/types';
import type { Logger } from '../common/log';
import type { Infrastructure } from './infrastructure';

/** The running Infrastructure; `resync` swaps it for one rebuilt from the store. */
export interface InfrastructureHolder {
  current: Infrastructure;
  rebuild(): Promise<Infrastructure>;
}

export function orchestratorService(holder: InfrastructureHolder, log: Logger): Remote<OrchestratorService> {
  // Every line about a request carries its X-Request-Id across the worker hop. The fields are
  // built only for a line that is written: a success is a debug line, off by default, and a
  // launch is the hot path.
  const debug = log.enabled?.('debug') ?? true;
  type Fields = Record<string, unknown> | (() => Record<string, unknown>);
  const fieldsOf = (f: Fields) => (typeof f === 'function' ? f() : f);
  const traced = async <T>(what: string, meta: CallMeta | undefined, fields: Fields, run: () => Promise<T>) => {
    try {
      const result = await run();
      if (debug) log.debug(what, { ...fieldsOf(fields), ...vmFields(result), request_id: meta?.request_id });
      return result;
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'internal';
      const level = code === 'no_capacity' || code === 'not_found' ? 'info' : 'warn';
      log[level](`${what} failed`, {
        ...fieldsOf(fields),
        code,
        reason: (err as Error).message,
        request_id: meta?.request_id,
      });
      throw err;
    }
  };
  return {
    launch: (req, meta) =>
      traced(
        'launch',
        meta,
        () => ({ region: req?.region, memory_gb: req?.memory_gb, cores: req?.cores }),
        () => holder.current.launch(req),
      ),
    launchIdempotent: (req, key, meta) =>
      traced(
        'launch',
        meta,
        () => ({ region: req?.region, memory_gb: req?.memory_gb, cores: req?.cores, idempotency_key: key }),
        () => holder.current.launchIdempotent(req, key),
      ),
    launchAnswer: (req, key, meta) =>
      traced(
        'launch',
        meta,
        () => ({ region: req?.region, memory_gb: req?.memory_gb, cores: req?.cores, idempotency_key: key }),
        () =>
          key === undefined
            ? holder.current.launch(req).then((vm) => answerOf(vm, false))
            : holder.current.launchIdempotent(req, key).then((l) => answerOf(l.vm, l.replayed)),
      ),
    launchBatch: (req, key, meta) =>
      traced(
        'launch',
        meta,
        () => ({
          region: req?.region,
          memory_gb: req?.memory_gb,
          cores: req?.cores,
          count: req?.count,
          idempotency_key: key,
        }),
        () => holder.current.launchBatch(req, key),
      ),
    place: (req, meta) =>
      traced('place', meta, { region: req.region, memory_gb: req.memory_gb, cores: req.cores, count: req.count }, () =>
        holder.current.place(req),
      ),
    destroy: (id, meta) => traced('destroy', meta, { vm_id: id }, () => holder.current.destroy(id)),
    operate: (id, op, force, meta) =>
      traced(String(op), meta, { vm_id: id, force: force === true }, () =>
        holder.current.operate(id, op, force === true),
      ),
    created: (id, timeoutMs, meta) =>
      traced(
        'created',
        meta,
        () => ({ vm_id: id }),
        () => holder.current.created(id, timeoutMs),
      ),
    wait: (id, state, timeoutMs, meta) =>
      traced(
        'wait',
        meta,
        () => ({ vm_id: id, state }),
        () => holder.current.wait(id, state, timeoutMs),
      ),
    flush: async () => ({ flushed: await holder.current.flushAll() }),
    stats: async () => holder.current.stats(),
    resync: async () => ({ machines: (await holder.rebuild()).registry.size }),
    machineAction: (id, action, options, meta) =>
      traced(`machine ${action}`, meta, { machine: id, evacuate: options?.evacuate }, () =>
        holder.current.machineAction(id, action, options ?? {}),
      ),
    setRegionStatus: (code, status, meta) =>
      traced('region status', meta, { region: code, status }, () => holder.current.setRegionStatus(code, status)),
    killActors: (req, meta) =>
      traced('chaos kill-actors', meta, { count: req?.count, region: req?.region }, () =>
        holder.current.chaos.killActors(req),
      ),
    failMachines: (req, meta) =>
      traced('chaos fail-machines', meta, { rate: req?.rate, duration_s: req?.duration_s }, async () =>
        holder.current.chaos.failMachines(req),
      ),
    chaosRun: async (id) => holder.current.chaos.run(id),
  };
}

function answerOf(vm: Vm, replayed: boolean): LaunchAnswer {
  return { id: vm.id, region: vm.region, state: vm.state, json: JSON.stringify(vm), replayed };
}

/** The VM id (and whether it was a replay) for a result's log line. */
function vmFields(result: unknown): Record<string, unknown> {
  const r = result as { id?: unknown; vm?: { id?: unknown }; replayed?: unknown; json?: unknown };
  if (typeof r?.id === 'string')
    return typeof r.json === 'string' ? { vm_id: r.id, replayed: r.replayed } : { vm_id: r.id };
  if (typeof r?.vm?.id === 'string') return { vm_id: r.vm.id, replayed: r.replayed };
  const vms = (result as { vms?: { id?: unknown }[] })?.vms;
  if (Array.isArray(vms)) return { vm_ids: vms.map((v) => v.id), replayed: r.replayed };
  return {};
}
