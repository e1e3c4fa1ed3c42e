// The HostService's history methods for tests that run the gate without a host: the real
// event log and log ring, an empty sampler and machine history. Spread into a test's HostService.

import { ActivityLog } from '../../src/main/host/activity-log';
import { LogRing } from '../../src/main/host/log-ring';
import { MachineHistoryLog } from '../../src/main/host/machine-history';
import { Sampler } from '../../src/main/host/sampler';
import type { HostService } from '../../src/shared/services';

export type HostHistories = Omit<HostService, 'workers' | 'uptimeSeconds' | 'loadStart' | 'loadStatus' | 'loadStop'> & {
  activityLog: ActivityLog;
  logRing: LogRing;
};

export function hostHistories(): HostHistories {
  const activityLog = new ActivityLog();
  const logRing = new LogRing();
  const machines = new MachineHistoryLog();
  const sampler = new Sampler({ regions: async () => [], launchCounts: async () => ({ ok: 0, failed: 0 }) });
  return {
    activityLog,
    logRing,
    record: (e) => void activityLog.record(e),
    activity: (since, limit) => activityLog.page(since, limit),
    samples: (since) => sampler.page(since),
    machineHistory: (id) => machines.history(id),
    logs: (q, after) => logRing.tail(q, after),
    followLogs: () => {},
    followActivity: () => {},
  };
}
