// The rows of a VM list, fetched a page at a time as they scroll into view (GET /v1/vms with
// limit/offset: the store sorts and filters, so 100k VMs never cross the wire at once). Pages
// are kept while the query is the same; a VM event patches its row at once and refreshes the
// pages in view shortly after (membership and order may have moved). No DOM, no React.

import type { Vm } from '../../../../shared/types';
import type { VmPage, VmQuery } from '../../../../shared/vm-query';

export const PAGE_SIZE = 100;
/** At most this many pages are kept; the ones furthest from the view go first. */
const PAGES_KEPT = 40;

export type ListQuery = Omit<VmQuery, 'limit' | 'offset'>;

export interface RowSourceDeps {
  fetchPage(q: Partial<VmQuery> & { limit: number }): Promise<VmPage>;
}

export class RowSource {
  total: number | null = null;
  error: string | null = null;
  /** Bumped on every change the view must show. */
  version = 0;
  private readonly pages = new Map<number, Vm[]>();
  private readonly stale = new Set<number>();
  private readonly inflight = new Set<number>();
  private readonly index = new Map<string, { page: number; i: number }>();
  private view: [number, number] = [0, 0];
  private disposed = false;

  constructor(
    private readonly query: ListQuery,
    private readonly deps: RowSourceDeps,
    private readonly changed: () => void,
  ) {}

  row(i: number): Vm | undefined {
    return this.pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
  }

  /**
   * Rows first..last are in view: fetch the pages they need, and the next (or previous) page
   * once the view is within half a page of it, so a steady scroll finds its rows there already.
   * The cache stays bounded.
   */
  show(first: number, last: number): void {
    this.view = [first, last];
    const ahead = this.total === null ? 0 : PAGE_SIZE / 2;
    const from = Math.floor(Math.max(0, first - ahead) / PAGE_SIZE);
    const end = Math.min(Math.max(first, last) + ahead, Math.max(0, (this.total ?? 1) - 1));
    const to = Math.max(from, Math.floor(Math.max(first, end) / PAGE_SIZE));
    for (let p = from; p <= to; p++) if (!this.pages.has(p) || this.stale.has(p)) void this.load(p);
    if (this.pages.size > PAGES_KEPT) {
      const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - from) - Math.abs(a - from));
      for (const p of far.slice(0, this.pages.size - PAGES_KEPT)) this.drop(p);
    }
  }

  /** Something changed on the server: pages in view are fetched again, the rest when next shown. */
  refresh(): void {
    for (const p of this.pages.keys()) this.stale.add(p);
    if (this.total === null || this.pages.size === 0) void this.load(Math.floor(this.view[0] / PAGE_SIZE));
    else this.show(this.view[0], this.view[1]);
  }

  /** A VM's new state, shown before the refresh that may move it. */
  patch(vm: Vm): boolean {
    const at = this.index.get(vm.id);
    if (!at) return false;
    const page = this.pages.get(at.page);
    if (!page) return false;
    page[at.i] = vm;
    this.bump();
    return true;
  }

  dispose(): void {
    this.disposed = true;
  }

  private drop(p: number): void {
    for (const v of this.pages.get(p) ?? []) this.index.delete(v.id);
    this.pages.delete(p);
    this.stale.delete(p);
  }

  private bump(): void {
    this.version++;
    this.changed();
  }

  private async load(p: number): Promise<void> {
    if (this.inflight.has(p) || this.disposed) return;
    this.inflight.add(p);
    try {
      const page = await this.deps.fetchPage({ ...this.query, limit: PAGE_SIZE, offset: p * PAGE_SIZE });
      if (this.disposed) return;
      this.drop(p);
      this.pages.set(p, page.vms);
      page.vms.forEach((v, i) => {
        this.index.set(v.id, { page: p, i });
      });
      this.total = page.total;
      this.error = null;
    } catch (err) {
      if (this.disposed) return;
      this.error = (err as Error).message;
    } finally {
      this.inflight.delete(p);
    }
    this.bump();
  }
}
