// The versions FlyD stamps on its updates, one increasing counter per machine.

/**
 * The last version sent per machine. It lives outside the FlyD behaviour, owned by the
 * Infrastructure that outlives every FlyD, so a restarted FlyD never reuses a version its
 * predecessor sent.
 */
export class VersionBook {
  private readonly last = new Map<string, number>();
  constructor(initial: Record<string, number> = {}) {
    for (const [id, v] of Object.entries(initial)) if (Number.isFinite(v)) this.last.set(id, v);
  }
  next(id: string): number {
    const v = (this.last.get(id) ?? 0) + 1;
    this.last.set(id, v);
    return v;
  }
  raise(id: string, version: number): void {
    if (Number.isFinite(version) && version > (this.last.get(id) ?? 0)) this.last.set(id, version);
  }
  get(id: string): number {
    return this.last.get(id) ?? 0;
  }
}
