// Load-generator stand-ins: a host with no load run (for fakes of HostService that other tests
// build) and a scripted driver that answers launches and destroys from a plan, in memory.

import type { DestroyAnswer, LaunchAnswer, LaunchAsk, LoadDriver } from '../../src/shared/load/generator';
import type { LoadStatusView } from '../../src/shared/load/keeper';
import type { HostService } from '../../src/shared/services';

/** HostService's load methods for a host whose tests never start a run. */
export const NO_LOAD: Pick<HostService, 'loadStart' | 'loadStatus' | 'loadStop'> = {
  loadStart: async (): Promise<LoadStatusView> => ({ run: null }),
  loadStatus: () => ({ run: null }),
  loadStop: () => ({ run: null }),
};

/** A driver answering at once (or after `delayMs` of the caller's clock): every launch ok unless `answer` says otherwise. */
export class ScriptedDriver implements LoadDriver {
  launches: LaunchAsk[] = [];
  destroys: string[] = [];
  private n = 0;
  constructor(
    private readonly answer: (ask: LaunchAsk, i: number) => LaunchAnswer = (_a, i) => ({
      result: 'ok',
      vmId: `vm-${String(i).padStart(6, '0')}`,
    }),
    private readonly destroyAnswer: (id: string, attempt: number) => DestroyAnswer = () => ({ ok: true }),
    private readonly wait: () => Promise<void> = () => Promise.resolve(),
  ) {}
  private attempts = new Map<string, number>();
  async launch(ask: LaunchAsk): Promise<LaunchAnswer> {
    this.launches.push(ask);
    const i = this.n++;
    await this.wait();
    return this.answer(ask, i);
  }
  async destroy(id: string): Promise<DestroyAnswer> {
    this.destroys.push(id);
    const a = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, a);
    await this.wait();
    return this.destroyAnswer(id, a);
  }
}
