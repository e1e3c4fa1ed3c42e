// The store model's test fixtures: a small fleet (SIN, AMS, …), a Fleet opened over a backend,
// FlyD updates and VMs. Shared by the store's unit tests and the LMDB reopen tests.

import { expect } from 'vitest';
import { MemoryBackend, type StoreBackend } from '../../src/main/store/backend';
import { Fleet } from '../../src/main/store/fleet';
import type { FleetData, MachineSpec } from '../../src/main/store/fleet-data';
import { ApiError } from '../../src/shared/errors';
import type { MachineUpdate, StoreEvent, Vm } from '../../src/shared/types';

export const spec = (
  id: string,
  region: string,
  cores: number,
  memory_gb: number,
  status: MachineSpec['status'] = 'available',
): MachineSpec => ({
  id,
  region,
  datacenter: 'dc-1',
  cores,
  memory_gb,
  status,
});

/** SIN has machines rich in one resource and poor in the other, to test both filters. */
export const DATA: FleetData = {
  regions: [
    { code: 'AMS', location: 'Amsterdam, Netherlands', status: 'Operational' },
    { code: 'BOM', location: 'Mumbai, India', status: 'Degraded Performance' },
    { code: 'SIN', location: 'Singapore', status: 'Operational' },
  ],
  machines: [
    spec('ams-1', 'AMS', 64, 256),
    spec('ams-2', 'AMS', 64, 256),
    spec('bom-1', 'BOM', 16, 64),
    spec('sin-big', 'SIN', 32, 128),
    spec('sin-few-cores', 'SIN', 8, 512),
    spec('sin-little-memory', 'SIN', 64, 16),
    spec('sin-maint', 'SIN', 64, 256, 'maintenance'),
    spec('sin-off', 'SIN', 64, 256, 'offline'),
    ...['a', 'b', 'c', 'd', 'e', 'f'].map((x) => spec(`sin-${x}`, 'SIN', 32, 128)),
  ],
};

export interface Opened {
  fleet: Fleet;
  events: StoreEvent[];
  warnings: string[];
  backend: StoreBackend;
}

export async function openFleet(
  options: { seed?: number; backend?: StoreBackend; data?: FleetData } = {},
): Promise<Opened> {
  const events: StoreEvent[] = [];
  const warnings: string[] = [];
  const backend = options.backend ?? new MemoryBackend();
  const { fleet } = await Fleet.open(options.data ?? DATA, {
    backend,
    seed: options.seed ?? 1,
    publish: (e) => events.push(e),
    warn: (msg) => warnings.push(msg),
  });
  events.length = 0; // what opening published is not what the tests look at
  return { fleet, events, warnings, backend };
}

export const update = (machine_id: string, version: number, cores: number, memory: number, vms = 1): MachineUpdate => ({
  machine_id,
  version,
  cores_allocated: cores,
  memory_allocated_gb: memory,
  vm_count: vms,
  changes: 1,
});

export const vmOn = (
  id: string,
  machine_id: string,
  region: string,
  memory_gb: number,
  cores: number,
  created_at = '2025-01-01T00:00:00.000Z',
): Vm => ({
  id,
  region,
  machine_id,
  memory_gb,
  cores,
  state: 'started',
  created_at,
  updated_at: created_at,
});

/** The ApiError code `fn` throws or rejects with. */
export async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).code;
  }
  throw new Error('expected an ApiError');
}
