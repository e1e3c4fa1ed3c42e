// Operator actions on a machine another host owns (drain, offline [--evacuate], online, and
// chaos's failures): they act on the machine's actors and its VMs' stages, which run on its
// owner, so they run there, whichever host was asked. The asking host writes a request key
// naming the owner (`requests/ID`); the owner, which watches the prefix, runs the action and
// writes its outcome into the same key; the asking host, watching too, answers with it and
// deletes the key. A request nobody answers in time is withdrawn (deleted) and refused.
// The watch resumes after the last revision it applied (./resumed-watch), so a request put while
// it was broken arrives once it is back, within the asker's wait when etcd returns in time.

import { randomUUID } from 'node:crypto';
import type { Etcd3, IKeyValue, IWatchResponse } from 'etcd3';
import { ApiError, type ErrorBody } from '../../../shared/errors';
import type { MachineActionReport } from '../../../shared/faults';
import type { OwnerRequest } from '../../../shared/services';
import { parseValue } from './keys';
import { type ResumedWatch, resumedWatch } from './resumed-watch';

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
  private watch: ResumedWatch | null = null;
  private readonly waiting = new Map<string, { resolve(v: RequestValue): void }>();
  /**
   * Requests this host took, until their key is deleted: one seen again (a fresh read after a
   * compaction, its own answer, an answer that could not be written) is not run again.
   */
  private readonly taken = new Set<string>();

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

  /** Watches for requests made from now on (one already waiting is its asker's to retry). */
  async start(): Promise<void> {
    const now = (await this.client.get(this.prefix).exec()).header.revision;
    this.watch = await resumedWatch({
      client: this.client,
      prefix: this.prefix,
      name: 'owner-request watch',
      after: now,
      apply: async (responses) => this.apply(responses),
      lost: (reason) => this.reread(reason),
      log: this.log,
    });
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
    this.watch = null;
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
    const cur = parseValue<RequestValue>(await this.client.get(key).string());
    if (!cur) return; // withdrawn: the asker gave up
    await this.client
      .if(key, 'Create', '>', 0)
      .then(this.client.put(key).value(JSON.stringify({ ...cur, ...outcome })))
      .commit();
  }

  private apply(responses: IWatchResponse[]): void {
    for (const ev of responses.flatMap((res) => res.events)) {
      const id = this.idOf(ev.kv);
      if (ev.type === 'Put') this.seen(id, parseValue<RequestValue>(ev.kv.value));
      else this.taken.delete(id);
    }
  }

  /**
   * The watch lost its place (a compaction): every request pending now, as if just put. Requests
   * put meanwhile are still awaited by their askers; ones answered meanwhile are answers.
   */
  private async reread(reason: string): Promise<string> {
    const got = await this.client.getAll().prefix(this.prefix).exec();
    this.log('warn', 'the owner-request watch could not resume; read the pending requests again', {
      reason,
      pending: got.kvs.length,
    });
    const ids = new Set(got.kvs.map((kv) => this.idOf(kv)));
    for (const id of this.taken) if (!ids.has(id)) this.taken.delete(id);
    for (const kv of got.kvs) this.seen(this.idOf(kv), parseValue<RequestValue>(kv.value));
    return got.header.revision;
  }

  private idOf(kv: IKeyValue): string {
    return kv.key.toString().slice(this.prefix.length);
  }

  private seen(id: string, v: RequestValue | null): void {
    if (!v || typeof v.machine_id !== 'string' || typeof v.action !== 'string') return;
    if (v.report !== undefined || v.error !== undefined) {
      this.waiting.get(id)?.resolve(v);
      return;
    }
    if (v.to !== this.hostId || this.taken.has(id)) return;
    this.taken.add(id);
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
