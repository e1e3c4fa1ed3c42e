// Whether the event log panel is open and what it is filtered by: this screen's view, not the
// fleet's state, so it lives beside the panel and survives neither a reload nor a second window.

import { createStore } from 'zustand/vanilla';
import type { ActivityFilter, ActivityKind } from '../../../../shared/activity';

export interface EventLogView {
  open: boolean;
  filter: Required<Pick<ActivityFilter, 'region' | 'machine' | 'vm'>> & { kinds: ActivityKind[] };
}

export const NO_FILTER: EventLogView['filter'] = { kinds: [], region: '', machine: '', vm: '' };

export const eventLogStore = createStore<EventLogView>(() => ({ open: false, filter: NO_FILTER }));

export function toggleEventLog(open = !eventLogStore.getState().open): void {
  eventLogStore.setState({ open });
}

export function setFilter(patch: Partial<EventLogView['filter']>): void {
  const { filter } = eventLogStore.getState();
  eventLogStore.setState({ filter: { ...filter, ...patch } });
}

export function toggleKind(kind: ActivityKind): void {
  const { kinds } = eventLogStore.getState().filter;
  setFilter({ kinds: kinds.includes(kind) ? kinds.filter((k) => k !== kind) : [...kinds, kind] });
}

export function isFiltered(f: EventLogView['filter']): boolean {
  return f.kinds.length > 0 || f.region !== '' || f.machine !== '' || f.vm !== '';
}
