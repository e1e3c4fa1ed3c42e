// Calls chained per key: each runs after every earlier call under the same key has finished,
// whether that one succeeded or failed. Destroys of one VM never both release; launches under
// one Idempotency-Key never both place; lifecycle steps of one VM never interleave.

export class InOrder {
  private readonly chains = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.chains.get(key) ?? Promise.resolve();
    const mine = before.catch(() => {}).then(fn);
    this.chains.set(key, mine);
    const forget = () => {
      if (this.chains.get(key) === mine) this.chains.delete(key);
    };
    mine.then(forget, forget);
    return mine;
  }

  /** Keys with a call running or waiting. */
  get size(): number {
    return this.chains.size;
  }
}
