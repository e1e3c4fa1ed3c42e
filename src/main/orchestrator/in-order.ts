// Calls chained by name: destroys per VM id (two never both release the same VM) and launches
// per Idempotency-Key (two never both place a VM under one key).

export class InOrder {
  private readonly last = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier call under the same name has finished, whatever its outcome. */
  run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const before = this.last.get(name) ?? Promise.resolve();
    const mine = before.catch(() => {}).then(fn);
    this.last.set(name, mine);
    const forget = () => {
      if (this.last.get(name) === mine) this.last.delete(name);
    };
    mine.then(forget, forget);
    return mine;
  }
}
