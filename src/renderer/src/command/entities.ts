// What the palette can go to besides commands: machines and VMs by id. The dashboard keeps only
// the selected region's machines, so the palette asks the API when it opens — everything for a
// fleet of ordinary size, and for a very large one only the region the typed id names (ids
// start with their region's code) and a VM by its exact id.

import { useEffect, useRef, useState } from 'react';
import type { Machine, Vm } from '../../../shared/types';
import { VM_ID_PATTERN } from '../../../shared/validation';
import type { Runtime } from '../runtime';

/** Above this many machines (or VMs) the palette does not load them all. */
export const FULL_INDEX_LIMIT = 20_000;
const PARALLEL = 4;

export interface MachineRef {
  id: string;
  region: string;
  status: string;
  vms: number;
}

export interface VmRef {
  id: string;
  region: string;
  machine: string;
  cores: number;
  memory_gb: number;
  state: string;
}

export interface EntityIndex {
  machines: MachineRef[];
  vms: VmRef[];
  loading: boolean;
}

const machineRef = (m: Machine): MachineRef => ({ id: m.id, region: m.region, status: m.status, vms: m.vm_count });
const vmRef = (v: Vm): VmRef => ({
  id: v.id,
  region: v.region,
  machine: v.machine_id,
  cores: v.cores,
  memory_gb: v.memory_gb,
  state: v.state,
});

/** The region a machine id names by its prefix (`nrt-m02` → NRT), if it is one. */
export function regionOfId(id: string, codes: readonly string[]): string | null {
  const m = /^([a-z0-9]{2,8})-/i.exec(id.trim());
  if (!m) return null;
  const code = m[1].toUpperCase();
  return codes.includes(code) ? code : null;
}

async function inBatches<T>(items: string[], each: (x: string) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += PARALLEL) {
    const parts = await Promise.all(items.slice(i, i + PARALLEL).map((x) => each(x).catch(() => [] as T[])));
    for (const p of parts) out.push(...p);
  }
  return out;
}

/** A state update that adds `list` to a map by id. */
const merge =
  <T extends { id: string }>(list: T[]) =>
  (prev: Map<string, T>): Map<string, T> => {
    const next = new Map(prev);
    for (const x of list) next.set(x.id, x);
    return next;
  };

export function useEntityIndex(rt: Runtime, open: boolean, search: string): EntityIndex {
  const [machines, setMachines] = useState<Map<string, MachineRef>>(new Map());
  const [vms, setVms] = useState<Map<string, VmRef>>(new Map());
  const [loading, setLoading] = useState(false);
  const askedRegions = useRef(new Set<string>());
  /** The VM list was loaded whole when the palette opened (a fleet of ordinary size). */
  const vmsComplete = useRef(false);
  const openRef = useRef(open);
  openRef.current = open;

  // On opening: the selected region's machines at once, then the whole fleet if it is not huge.
  useEffect(() => {
    if (!open) return;
    let live = true;
    const st = rt.dashboard.store.getState();
    const known = st.machines.ids.map((id) => st.machines.byId[id]).filter(Boolean);
    setMachines(new Map(known.map((m) => [m.id, machineRef(m)])));
    setVms(new Map());
    askedRegions.current = new Set(st.machines.region ? [st.machines.region] : []);
    const machineTotal = Object.values(st.regions).reduce((n, r) => n + r.machine_count, 0);
    const vmTotal = st.status?.fleet.vms ?? 0;
    const jobs: Promise<unknown>[] = [];
    if (machineTotal <= FULL_INDEX_LIMIT) {
      const codes = st.regionCodes.filter((c) => !askedRegions.current.has(c));
      for (const c of codes) askedRegions.current.add(c);
      jobs.push(
        inBatches(codes, (c) => rt.client.api.machines(c)).then(
          (list) => live && setMachines(merge(list.map(machineRef))),
        ),
      );
    }
    vmsComplete.current = vmTotal <= FULL_INDEX_LIMIT;
    if (vmsComplete.current) {
      jobs.push(
        rt.client.api
          .vms()
          .then((list) => live && setVms(merge(list.map(vmRef))))
          .catch(() => undefined),
      );
    }
    setLoading(jobs.length > 0);
    void Promise.all(jobs).finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [open, rt]);

  // A large fleet: the region a typed machine id names, and a VM by its exact id.
  // Answers that arrive after more typing still count; after closing they do not.
  useEffect(() => {
    if (!open) return;
    const st = rt.dashboard.store.getState();
    const code = regionOfId(search, st.regionCodes);
    if (code && !askedRegions.current.has(code)) {
      askedRegions.current.add(code);
      rt.client.api
        .machines(code)
        .then((list) => openRef.current && setMachines(merge(list.map(machineRef))))
        .catch(() => undefined);
    }
    // Any id a VM can have (the host's vm-3f2a… and a scenario's vm-eu-0001 alike), as typed:
    // ids are case-sensitive. Only where the whole list was not loaded, and not for a word or two.
    const id = search.trim();
    if (!vmsComplete.current && id.length >= 4 && VM_ID_PATTERN.test(id)) {
      rt.client.api
        .vm(id)
        .then((v) => openRef.current && setVms(merge([vmRef(v)])))
        .catch(() => undefined);
    }
  }, [open, rt, search]);

  return { machines: [...machines.values()], vms: [...vms.values()], loading };
}
