// Operator actions on a machine another host owns (drain, offline [--evacuate], online, and
// chaos's failures): they act on the machine's actors and its VMs' stages, which run on its
// owner, so they run there, whichever host was asked. The asking host writes a request key
// naming the owner (`requests/ID`); the owner, which watches the prefix, runs the action and
// writes its outcome into the same key; the asking host, watching too, answers with it and
// deletes the key. A request nobody answers in time is withdrawn (deleted) and refused.

import { randomUUID } from 'node:crypto';
import type { Etcd3, Watcher } from 'etcd3';
import { ApiError, type ErrorBody } from '../../../shared/errors';
import type { MachineActionReport } from '../../../shared/faults';
import type { OwnerRequest } from '../../../shared/services';
import { parseValue } from './keys';

/** The owner's answer must come within this, under the 5 s of the call that waits for it. */
export const OWNER_ANSWER_MS = 4000;

interface RequestValue extends OwnerRequest {
  /** The host that should run it (the machine's owner when asked) and the one that asked. */
  to: string;
  from: string;
  report?: MachineActionReport;
  error?: ErrorBody;
}

type Log = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

export class OwnerRequests {
  private watcher: Watcher | null = null;
  private readonly waiting = new Map<string, { resolve(v: RequestValue): void }>();
  /** Requests this host runs, so a value seen twice (its own answer) is not run again. */
  private readonly running = new Set<string>();

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly hostId: string,
    /** The host holding a machine now, or null while its ownership moves. */
    private readonly holderOf: (machine: string) => string | null,
    /** Runs a request addressed to this host (the orchestrator answers through answer()). */
    private readonly run: (req: OwnerRequest) => void,
    private readonly log: Log,
  ) {}

  async start(): Promise<void> {
    const w = await this.client.watch().prefix(this.prefix).create();
    this.watcher = w;
    w.on('put', (kv) => this.seen(kv.key.toString().slice(this.prefix.length), parseValue<RequestValue>(kv.value)));
    w.on('error', (err) => this.log('warn', 'the owner-request watch failed', { error: err.message }));
  }

  async stop(): Promise<void> {
    await this.watcher?.cancel().catch(() => {});
    this.watcher = null;
  }

  /** Asks the machine's owner to run `action`; its report, or its error rethrown here. */
  async ask(machine_id: string, action: string, options: { evacuate?: boolean }): Promise<MachineActionReport> {
    const to = this.holderOf(machine_id);
    if (to === null) {
      throw new ApiError(
        'unavailable',
        `machine ${machine_id} has no owner right now (ownership is moving between hosts); retry in a few seconds`,
        { machine_id },
      );
    }
    const id = randomUUID();
    const key = `${this.prefix}${id}`;
    const value: RequestValue = { id, machine_id, action, to, from: this.hostId };
    if (options.evacuate !== undefined) value.evacuate = options.evacuate;
    const answered = new Promise<RequestValue>((resolve) => this.waiting.set(id, { resolve }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), OWNER_ANSWER_MS);
    });
    try {
      await this.client.put(key).value(JSON.stringify(value));
      const got = await Promise.race([answered, late]);
      if (got === null) {
        throw new ApiError(
          'unavailable',
          `host ${to}, which owns machine ${machine_id}, did not answer within ${OWNER_ANSWER_MS} ms; the action may still run there`,
          { machine_id, owner: to },
        );
      }
      if (got.error) throw new ApiError(got.error.code, got.error.message, got.error.details);
      if (!got.report)
        throw new ApiError('internal', `host ${to} answered the ${action} of ${machine_id} with nothing`);
      return got.report;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
      void this.client
        .delete()
        .key(key)
        .catch(() => {});
    }
  }

  /** This host's orchestrator ran a request: its outcome goes back to the asker (if it still waits). */
  async answer(id: string, outcome: { report?: MachineActionReport; error?: ErrorBody }): Promise<void> {
    const key = `${this.prefix}${id}`;
    try {
      const cur = parseValue<RequestValue>(await this.client.get(key).string());
      if (!cur) return; // withdrawn: the asker gave up
      await this.client
        .if(key, 'Create', '>', 0)
        .then(this.client.put(key).value(JSON.stringify({ ...cur, ...outcome })))
        .commit();
    } finally {
      this.running.delete(id);
    }
  }

  private seen(id: string, v: RequestValue | null): void {
    if (!v || typeof v.machine_id !== 'string' || typeof v.action !== 'string') return;
    if (v.report !== undefined || v.error !== undefined) {
      this.waiting.get(id)?.resolve(v);
      return;
    }
    if (v.to !== this.hostId || this.running.has(id)) return;
    this.running.add(id);
    this.log('info', 'running an operator action asked through another host', {
      machine: v.machine_id,
      action: v.action,
      from: v.from,
    });
    const req: OwnerRequest = { id, machine_id: v.machine_id, action: v.action };
    if (v.evacuate !== undefined) req.evacuate = v.evacuate;
    this.run(req);
  }
}
