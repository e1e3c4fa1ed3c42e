// A scenario: the whole fleet as a directory of files — regions, machines and VMs as CSV, the
// few host settings that shape behaviour as JSON — which `flylight scenario export|import`, the
// dashboard and `serve --scenario` read and write. The host parses and checks the files (the
// store worker); clients only move their text, so every client gets the same errors.

import type { HostConfig } from './config';
import { DEFAULT_STRATEGY, type Strategy } from './placement';
import { DEFAULT_PROFILE, PROFILES, type TimingProfile } from './timing';

/** The files of a scenario directory, in the order they are written and read. */
export const SCENARIO_FILES = ['scenario.json', 'regions.csv', 'machines.csv', 'vms.csv'] as const;
export type ScenarioFileName = (typeof SCENARIO_FILES)[number];

/** File name → its text. vms.csv may be absent (no VMs); the others are required. */
export type ScenarioFiles = Partial<Record<ScenarioFileName, string>>;

/** Columns each CSV is written with; on import, the header may list them in any order. */
export const SCENARIO_COLUMNS = {
  'regions.csv': ['region', 'location', 'status'],
  'machines.csv': [
    'machine',
    'region',
    'datacenter',
    'cores',
    'memory_gb',
    'status',
    'cores_allocated',
    'memory_allocated_gb',
    'vm_count',
  ],
  'vms.csv': ['vm', 'region', 'machine', 'cores', 'memory_gb', 'state', 'reason', 'created_at', 'updated_at'],
} as const;

/** Columns an import may leave out: the allocations are derived from the VMs (and checked when given). */
export const OPTIONAL_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  'regions.csv': [],
  'machines.csv': ['datacenter', 'status', 'cores_allocated', 'memory_allocated_gb', 'vm_count'],
  'vms.csv': ['region', 'reason', 'created_at', 'updated_at'],
};

export const SCENARIO_FORMAT = 'flylight-scenario';
export const SCENARIO_VERSION = 1;

/**
 * The settings a scenario carries: how the host places (strategy), how long lifecycle stages
 * take (timing: a built-in profile's name, or the whole profile when the host ran a custom one)
 * and the seed of its draws (null: the host draws at random).
 */
export interface ScenarioSettings {
  strategy: Strategy;
  timing: string | TimingProfile;
  seed: number | null;
}

/** scenario.json. */
export interface ScenarioManifest {
  format: typeof SCENARIO_FORMAT;
  version: number;
  /** Free text, shown when the scenario is listed or imported. */
  description?: string;
  exported_at?: string;
  settings: Partial<ScenarioSettings>;
}

/** The answer to an import: what the fleet now holds and which settings apply. */
export interface ScenarioImportReport {
  imported: true;
  regions: number;
  machines: number;
  vms: number;
  /** VMs imported mid-transition: their stage runs again from the start, as after a restart. */
  recovered: number;
  settings: ScenarioSettings;
}

/** `GET /v1/scenario`: the files of the fleet as it is now. */
export interface ScenarioExport {
  files: Required<Pick<ScenarioFiles, 'scenario.json' | 'regions.csv' | 'machines.csv' | 'vms.csv'>>;
}

export function isScenarioFileName(name: string): name is ScenarioFileName {
  return (SCENARIO_FILES as readonly string[]).includes(name);
}

/** The host's own settings, as a scenario writes them: a built-in profile by its name. */
export function hostSettings(config: Pick<HostConfig, 'strategy' | 'timing' | 'seed'>): ScenarioSettings {
  const t = config.timing;
  const builtIn = t && PROFILES[t.name] && JSON.stringify(PROFILES[t.name]) === JSON.stringify(t);
  return {
    strategy: config.strategy ?? DEFAULT_STRATEGY,
    timing: t === undefined ? DEFAULT_PROFILE : builtIn ? t.name : t,
    seed: config.seed ?? null,
  };
}

/** The profile a setting names (a built-in by name, or the profile itself). */
export function timingOf(timing: ScenarioSettings['timing']): TimingProfile {
  return typeof timing === 'string' ? (PROFILES[timing] ?? PROFILES[DEFAULT_PROFILE]) : timing;
}
