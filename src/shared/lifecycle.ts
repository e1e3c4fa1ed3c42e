// The VM lifecycle, as fly.io Machines have it (https://fly.io/docs/machines/machine-states/):
// persistent states a VM rests in, transient states it passes through on the way, and the one
// terminal state. Pure data and rules, so the orchestrator that runs them, the gate that words
// refusals, the CLI and the dashboard all agree on what may happen next.

export const PERSISTENT_STATES = ['created', 'started', 'stopped', 'suspended', 'failed'] as const;
export const TRANSIENT_STATES = ['creating', 'starting', 'stopping', 'suspending', 'restarting', 'destroying'] as const;
export const TERMINAL_STATE = 'destroyed';

export type PersistentState = (typeof PERSISTENT_STATES)[number];
export type TransientState = (typeof TRANSIENT_STATES)[number];
export type LifecycleState = PersistentState | TransientState | typeof TERMINAL_STATE;

export const LIFECYCLE_STATES: readonly LifecycleState[] = [...TRANSIENT_STATES, ...PERSISTENT_STATES, TERMINAL_STATE];

/** One state change of a VM, as the store records it and the event stream shows it. */
export interface Transition {
  vm_id: string;
  from: LifecycleState | null;
  to: LifecycleState;
  at: string;
  /** `fault`: the VM's machine went down under it (faults: machine offline). */
  operation: Operation | 'create' | 'recover' | 'fault';
  reason?: string;
}

/** What a user asks of an existing VM (`create` is the launch itself). */
export const OPERATIONS = ['start', 'stop', 'suspend', 'restart', 'destroy'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The timed step a transient state stands for; timing profiles are keyed by it. */
export type Stage = 'create' | 'start' | 'resume' | 'stop' | 'suspend' | 'restart' | 'destroy';
export const STAGES: readonly Stage[] = ['create', 'start', 'resume', 'stop', 'suspend', 'restart', 'destroy'];

export function isTransient(state: LifecycleState): state is TransientState {
  return (TRANSIENT_STATES as readonly string[]).includes(state);
}

export function isPersistent(state: LifecycleState): state is PersistentState {
  return (PERSISTENT_STATES as readonly string[]).includes(state);
}

export function isLifecycleState(value: unknown): value is LifecycleState {
  return typeof value === 'string' && (LIFECYCLE_STATES as readonly string[]).includes(value);
}

/**
 * Whether a VM in this state holds its cores and memory on its machine.
 *
 * fly.io bills neither CPU nor RAM of stopped or suspended Machines (a suspended one keeps its
 * memory snapshot on disk, not in RAM), and a stopped Machine can fail to start when its host
 * has filled meanwhile. Flylight models exactly that: `stopped`, `suspended` and `failed` VMs
 * keep their machine but hold nothing on it, so starting one again re-reserves and can answer
 * `no_capacity` naming the machine. A VM holds from `creating` until it comes to rest in a state
 * that holds nothing; `destroying` already holds nothing, so destroying a VM frees its machine
 * at once whatever state it came from, and every machine's allocation is always the sum of
 * holdsResources() over its VMs.
 */
export function holdsResources(state: LifecycleState): boolean {
  switch (state) {
    case 'creating':
    case 'created':
    case 'starting':
    case 'started':
    case 'stopping':
    case 'suspending':
    case 'restarting':
      return true;
    default:
      return false;
  }
}

/**
 * What moving from one state to another does to the machine: +1 reserves the VM's resources,
 * -1 releases them, 0 leaves them. The only place the accounting of a transition is decided.
 */
export function resourceDelta(from: LifecycleState | null, to: LifecycleState): -1 | 0 | 1 {
  const before = from !== null && holdsResources(from);
  const after = holdsResources(to);
  return before === after ? 0 : after ? 1 : -1;
}

/** What an operation does from a state: the transient state it passes through and where it ends. */
export interface Step {
  operation: Operation;
  via: TransientState;
  to: PersistentState | typeof TERMINAL_STATE;
  stage: Stage;
}

/** Refusal of an operation the current state does not allow. */
export interface Refusal {
  operation: Operation;
  state: LifecycleState;
  /** Operations the state does allow (with `force` where that is what it takes). */
  allowed: Operation[];
  /** Set when the operation would be allowed with `force` (destroying a started VM). */
  needs_force?: boolean;
}

/**
 * The step `op` takes from `state`, or why not. Destroying a started VM needs `force`, as
 * `fly machine destroy` does. Transient states refuse everything: one operation at a time.
 */
export function plan(state: LifecycleState, op: Operation, force = false): Step | Refusal {
  const step = stepFor(state, op);
  if (step && op === 'destroy' && state === 'started' && !force) {
    return { operation: op, state, allowed: allowedOperations(state), needs_force: true };
  }
  return step ?? { operation: op, state, allowed: allowedOperations(state) };
}

export function isRefusal(r: Step | Refusal): r is Refusal {
  return !('via' in r);
}

/** Operations a state allows, for 409 answers and for menus (destroy of a started VM needs force). */
export function allowedOperations(state: LifecycleState): Operation[] {
  return OPERATIONS.filter((op) => stepFor(state, op) !== null);
}

function stepFor(state: LifecycleState, op: Operation): Step | null {
  switch (op) {
    case 'start':
      if (state === 'created' || state === 'stopped' || state === 'failed')
        return { operation: op, via: 'starting', to: 'started', stage: 'start' };
      if (state === 'suspended') return { operation: op, via: 'starting', to: 'started', stage: 'resume' };
      return null;
    case 'stop':
      return state === 'started' ? { operation: op, via: 'stopping', to: 'stopped', stage: 'stop' } : null;
    case 'suspend':
      return state === 'started' ? { operation: op, via: 'suspending', to: 'suspended', stage: 'suspend' } : null;
    case 'restart':
      return state === 'started' ? { operation: op, via: 'restarting', to: 'started', stage: 'restart' } : null;
    case 'destroy':
      return isPersistent(state) ? { operation: op, via: 'destroying', to: TERMINAL_STATE, stage: 'destroy' } : null;
  }
}

/** The launch: a new VM is `creating`, then `created`, then (unless asked not to) started. */
export const CREATE_STEP = { via: 'creating', to: 'created', stage: 'create' } as const;

type Resting = PersistentState | typeof TERMINAL_STATE;

/**
 * Each transient state's timed stage, where it ends when the stage succeeds, and where when it
 * fails. Only steps that boot something can fail into `failed` (create, start, resume, restart);
 * a failed stop, suspend or destroy still ends where it was going, as a host that cannot stop a
 * VM cleanly kills it. A resume shows as `starting` too (its stage is chosen by plan()).
 */
const TRANSIENT: Readonly<Record<TransientState, { stage: Stage; target: Resting; failed: Resting }>> = {
  creating: { stage: 'create', target: 'created', failed: 'failed' },
  starting: { stage: 'start', target: 'started', failed: 'failed' },
  restarting: { stage: 'restart', target: 'started', failed: 'failed' },
  stopping: { stage: 'stop', target: 'stopped', failed: 'stopped' },
  suspending: { stage: 'suspend', target: 'suspended', failed: 'suspended' },
  destroying: { stage: 'destroy', target: TERMINAL_STATE, failed: TERMINAL_STATE },
};

/** Where a transient state ends when its stage fails. */
export function failureOutcome(state: TransientState): Resting {
  return TRANSIENT[state].failed;
}

/** Where a transient state ends when its stage succeeds (`restarting` comes back `started`). */
export function targetOf(state: TransientState): Resting {
  return TRANSIENT[state].target;
}

/** The timed stage a transient state stands for. */
export function stageOf(state: TransientState): Stage {
  return TRANSIENT[state].stage;
}

/** The wait targets `vm wait --state` accepts: any persistent state, or `destroyed`. */
export function isWaitTarget(value: unknown): value is PersistentState | typeof TERMINAL_STATE {
  return typeof value === 'string' && (isPersistent(value as LifecycleState) || value === TERMINAL_STATE);
}
