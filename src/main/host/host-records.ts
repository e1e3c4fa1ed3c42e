// What the host remembers for clients that were not watching: the event log, the charts'
// samples, each machine's allocation over time and the newest log records. The host owns them because it outlives every worker; the
// proxy serves them (GET /v1/activity, /v1/samples, /v1/logs) through the host's RPC service.

import type { ActivityInput, ActivityPage } from '../../shared/activity';
import { DEFAULT_LOG_LINES, LOG_RING, type LogEntries, type LogQuery, parseLogLevel } from '../../shared/host-log';
import type { MachineHistory } from '../../shared/machine-history';
import type { RpcServer } from '../../shared/rpc';
import type { SamplePage } from '../../shared/samples';
import { HOST_ACTIVITY, HOST_LOGS } from '../../shared/services';
import type { StoreEvent, WorkerStatus } from '../../shared/types';
import { ACTIVITY_PAGE_MAX, ActivityLog } from './activity-log';
import { ActivityRecorder } from './activity-recorder';
import type { LogRing } from './log-ring';
import { MachineHistoryLog } from './machine-history';
import { Sampler, type SamplerSources } from './sampler';

export interface HostRecords {
  activity: ActivityLog;
  logs: LogRing;
  sampler: Sampler;
  machines: MachineHistoryLog;
  storeEvent(e: StoreEvent): void;
  /** A worker crashed, restarted, or the host gave up on it: news for the event log. */
  workerNews(name: WorkerStatus['name'], what: string): void;
  /** The part of HostService these answer. */
  service: {
    record(e: ActivityInput): void;
    activity(since?: number, limit?: number): ActivityPage;
    samples(since?: number): SamplePage;
    machineHistory(id: string): MachineHistory;
    logs(q: LogQuery, after?: number): LogEntries;
  };
  stop(): void;
}

const num = (v: unknown, fallback: number, max: number): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? Math.min(v, max) : fallback;

/** The log ring is made first (the log sink feeds it from the first line); the rest here. */
export function createHostRecords(
  sources: SamplerSources,
  logs: LogRing,
  bounds: { maxEvents?: number; maxAgeMs?: number } = {},
): HostRecords {
  const activity = new ActivityLog(bounds);
  const recorder = new ActivityRecorder((e) => activity.record(e));
  const sampler = new Sampler(sources);
  const machines = new MachineHistoryLog();
  sampler.start();
  return {
    activity,
    logs,
    sampler,
    machines,
    storeEvent: (e) => {
      recorder.storeEvent(e);
      machines.storeEvent(e);
    },
    workerNews: (name, what) => {
      activity.record({ kind: 'restart', worker: name, message: `${name} worker ${what}` });
    },
    service: {
      // Input from another thread: the log checks the shape and drops what is not an event.
      record: (e) => void activity.record(e),
      activity: (since, limit) =>
        activity.page(num(since, 0, Number.MAX_SAFE_INTEGER), num(limit, ACTIVITY_PAGE_MAX, ACTIVITY_PAGE_MAX)),
      samples: (since) => sampler.page(num(since, 0, Number.MAX_SAFE_INTEGER)),
      machineHistory: (id) => machines.history(String(id)),
      logs: (q, after) =>
        logs.tail(
          { lines: num(q?.lines, DEFAULT_LOG_LINES, LOG_RING), level: parseLogLevel(q?.level ?? 'debug') },
          num(after, 0, Number.MAX_SAFE_INTEGER),
        ),
    },
    stop: () => sampler.stop(),
  };
}

/**
 * Sends new event-log entries and log records to the proxies' ports only while someone follows
 * them (`followActivity(n)`, `follow(n)`: n followers): most runs never pay for either, and a
 * launch makes four entries and a log line.
 */
export function pushToProxies(
  records: HostRecords,
  logRing: LogRing,
  ports: Set<RpcServer>,
): { follow(n: unknown): void; followActivity(n: unknown): void; unfollowAll(): void } {
  let followers = 0;
  let activityFollowers = 0;
  records.activity.onRecord((e) => {
    if (activityFollowers > 0) for (const p of ports) p.emit(HOST_ACTIVITY, e);
  });
  logRing.onLine((seq, rec) => {
    if (followers > 0) for (const p of ports) p.emit(HOST_LOGS, { seq, rec });
  });
  const count = (n: unknown) => (typeof n === 'number' && n > 0 ? n : 0);
  return {
    follow: (n) => {
      followers = count(n);
    },
    followActivity: (n) => {
      activityFollowers = count(n);
    },
    // A proxy's port closed: its followers went with it.
    unfollowAll: () => {
      followers = 0;
      activityFollowers = 0;
    },
  };
}
