import { describe, expect, it } from 'vitest';
import {
  allowedOperations,
  failureOutcome,
  holdsResources,
  isRefusal,
  LIFECYCLE_STATES,
  OPERATIONS,
  plan,
  resourceDelta,
  TRANSIENT_STATES,
} from '../../src/shared/lifecycle';

describe('VM lifecycle rules', () => {
  it('allows each persistent state exactly the operations fly.io allows', () => {
    expect(allowedOperations('created')).toEqual(['start', 'destroy']);
    expect(allowedOperations('started')).toEqual(['stop', 'suspend', 'restart', 'destroy']);
    expect(allowedOperations('stopped')).toEqual(['start', 'destroy']);
    expect(allowedOperations('suspended')).toEqual(['start', 'destroy']);
    expect(allowedOperations('failed')).toEqual(['start', 'destroy']);
    expect(allowedOperations('destroyed')).toEqual([]);
  });

  it('refuses every operation in a transient state, naming the state', () => {
    for (const state of TRANSIENT_STATES) {
      for (const op of OPERATIONS) {
        const r = plan(state, op);
        expect(isRefusal(r)).toBe(true);
        expect(r).toMatchObject({ operation: op, state, allowed: [] });
      }
    }
  });

  it('destroying a started VM needs force, as fly machine destroy does', () => {
    const refused = plan('started', 'destroy');
    expect(isRefusal(refused) && refused.needs_force).toBe(true);
    expect(plan('started', 'destroy', true)).toMatchObject({ via: 'destroying', to: 'destroyed' });
    expect(plan('stopped', 'destroy')).toMatchObject({ via: 'destroying', to: 'destroyed' });
  });

  it('passes through the named transient state to the named target', () => {
    expect(plan('created', 'start')).toMatchObject({ via: 'starting', to: 'started', stage: 'start' });
    expect(plan('stopped', 'start')).toMatchObject({ via: 'starting', to: 'started', stage: 'start' });
    expect(plan('suspended', 'start')).toMatchObject({ via: 'starting', stage: 'resume' });
    expect(plan('started', 'stop')).toMatchObject({ via: 'stopping', to: 'stopped' });
    expect(plan('started', 'suspend')).toMatchObject({ via: 'suspending', to: 'suspended' });
    expect(plan('started', 'restart')).toMatchObject({ via: 'restarting', to: 'started' });
  });

  it('starting a VM that holds nothing reserves; stopping, suspending, failing, destroying release', () => {
    expect(resourceDelta(null, 'creating')).toBe(1);
    expect(resourceDelta('created', 'starting')).toBe(0);
    expect(resourceDelta('stopped', 'starting')).toBe(1);
    expect(resourceDelta('suspended', 'starting')).toBe(1);
    expect(resourceDelta('failed', 'starting')).toBe(1);
    expect(resourceDelta('stopping', 'stopped')).toBe(-1);
    expect(resourceDelta('suspending', 'suspended')).toBe(-1);
    expect(resourceDelta('starting', 'failed')).toBe(-1);
    expect(resourceDelta('started', 'destroying')).toBe(-1);
    expect(resourceDelta('stopped', 'destroying')).toBe(0);
    expect(resourceDelta('destroying', 'destroyed')).toBe(0);
  });

  it('any walk through the lifecycle nets out: holding iff the resting state holds', () => {
    // Every allowed step, begun and ended (or failed), from every state: the running sum of
    // deltas always equals holdsResources of where the VM is.
    for (const from of LIFECYCLE_STATES) {
      for (const op of OPERATIONS) {
        const r = plan(from, op, true);
        if (isRefusal(r)) continue;
        for (const end of [r.to, failureOutcome(r.via)]) {
          const held = (holdsResources(from) ? 1 : 0) + resourceDelta(from, r.via) + resourceDelta(r.via, end);
          expect(held).toBe(holdsResources(end) ? 1 : 0);
        }
      }
    }
  });

  it('stopped, suspended, failed, destroying and destroyed VMs hold nothing; every other state holds', () => {
    const holding = LIFECYCLE_STATES.filter(holdsResources);
    expect(holding.sort()).toEqual(
      ['created', 'creating', 'restarting', 'started', 'starting', 'stopping', 'suspending'].sort(),
    );
  });

  it('a failing boot ends in failed; a failing stop, suspend or destroy still ends where it was going', () => {
    expect(failureOutcome('creating')).toBe('failed');
    expect(failureOutcome('starting')).toBe('failed');
    expect(failureOutcome('restarting')).toBe('failed');
    expect(failureOutcome('stopping')).toBe('stopped');
    expect(failureOutcome('suspending')).toBe('suspended');
    expect(failureOutcome('destroying')).toBe('destroyed');
  });
});
