// How long the gate lets a lifecycle request run: a /wait as long as it asks (at most fly's 60 s),
// a launch by its wait when it asks to wait (else a little room for its own 202), everything else the gate's own deadline.

import { describe, expect, it } from 'vitest';
import { longPollMs } from '../../../src/main/proxy/vm-routes';

describe('longPollMs', () => {
  it('stretches a wait by its timeout, a waiting launch by its wait, a plain launch a little', () => {
    expect(longPollMs('GET', '/v1/vms/vm-abcdef/wait?state=stopped&timeout=5')).toBe(5000);
    expect(longPollMs('GET', '/v1/vms/vm-abcdef/wait?state=stopped')).toBe(60_000);
    expect(longPollMs('GET', '/v1/vms/vm-abcdef/wait?timeout=999')).toBe(60_000);
    expect(longPollMs('POST', '/v1/vms?wait=started')).toBe(60_000);
    expect(longPollMs('POST', '/v1/vms', '{"region":"SIN","memory_gb":1,"cores":1,"wait":"started"}')).toBe(60_000);
    // A plain launch answers by itself within 9.5 s (202 if not created yet): a little room for it.
    expect(longPollMs('POST', '/v1/vms', '{"region":"SIN","memory_gb":1,"cores":1}')).toBe(2000);
    expect(longPollMs('GET', '/v1/vms/vm-abcdef')).toBe(0);
    expect(longPollMs('POST', '/v1/vms/vm-abcdef/start')).toBe(0);
    expect(longPollMs(undefined, undefined)).toBe(0);
  });
});
