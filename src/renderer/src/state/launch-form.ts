// The dashboard's launch form: what is typed, and what the last attempt answered. A refusal is
// kept taken apart (ops-wording.ts launchRefusal) with, when asked, the dry run's per-machine
// explanation (POST /v1/place), so the form says why and where else.

import { createStore } from 'zustand/vanilla';
import type { Strategy } from '../../../shared/placement';
import type { PlacementReport } from '../../../shared/types';
import type { Refusal } from './ops-wording';

export interface LaunchFields {
  region: string;
  memory_gb: string;
  cores: string;
  count: string;
  /** '' is the host's default. */
  strategy: Strategy | '';
}

export interface LaunchFormState {
  isOpen: boolean;
  fields: LaunchFields;
  phase: 'editing' | 'launching' | 'explaining';
  refusal: Refusal | null;
  /** The dry run of the refused request, once asked for. */
  explanation: PlacementReport | null;
  explainError: string | null;
  open(region: string): void;
  close(): void;
  set(patch: Partial<LaunchFields>): void;
}

const DEFAULTS: LaunchFields = { region: '', memory_gb: '8', cores: '4', count: '1', strategy: '' };

export const launchStore = createStore<LaunchFormState>((set, get) => ({
  isOpen: false,
  fields: DEFAULTS,
  phase: 'editing',
  refusal: null,
  explanation: null,
  explainError: null,
  open: (region) =>
    set({
      isOpen: true,
      // The size typed last time stays: a second try usually changes only the region.
      fields: { ...get().fields, region },
      phase: 'editing',
      refusal: null,
      explanation: null,
      explainError: null,
    }),
  close: () => set({ isOpen: false, phase: 'editing' }),
  // A changed request is a new one: the old refusal no longer describes it.
  set: (patch) => set({ fields: { ...get().fields, ...patch }, refusal: null, explanation: null, explainError: null }),
}));
