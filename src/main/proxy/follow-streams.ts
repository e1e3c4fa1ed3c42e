// The two following streams the HTTP server opens besides the store's: the host's event log on
// `GET /v1/events?since=SEQ` (as `event: activity` frames beside the store's) and the host's log
// on `GET /v1/logs?follow=true` (`event: log`, numbered, so a reconnect's Last-Event-ID
// resumes after the last record it saw).

import type { ActivityEvent } from '../../shared/activity';
import { atLeast, LOG_RING, type LogEntry, type LogQuery } from '../../shared/host-log';
import type { Remote } from '../../shared/rpc';
import type { HostService } from '../../shared/services';
import { checkQuery } from '../../shared/validation';
import type { DropReason, EventHub, SseSink } from './events';
import { FollowHub } from './follow-hub';
import { logQuery, queryBool, queryInt } from './history-routes';
import type { RouteMatch } from './routes';

export interface FollowStreams {
  activity: FollowHub<ActivityEvent>;
  logs: FollowHub<LogEntry>;
}

export function createFollowStreams(
  host: Remote<HostService>,
  dropped: (stream: 'activity' | 'logs') => (reason: DropReason) => void = () => () => {},
): FollowStreams {
  // The store's hub already sends heartbeats on an event stream.
  const activity = new FollowHub<ActivityEvent>((e) => `event: activity\ndata: ${JSON.stringify(e)}\n\n`, {
    heartbeatMs: 0,
    onDrop: dropped('activity'),
  });
  const logs = new FollowHub<LogEntry>((e) => `id: ${e.seq}\nevent: log\ndata: ${JSON.stringify(e.rec)}\n\n`, {
    onDrop: dropped('logs'),
  });
  // The host pushes log records and event-log entries only while someone follows them (every
  // request logs a line; every launch makes four entries).
  logs.onCount = (n) => void host.followLogs(n).catch(() => {});
  activity.onCount = (n) => void host.followActivity(n).catch(() => {});
  return { activity, logs };
}

/** The `since` of an event stream, or null when the client did not ask for the event log. */
export function eventStreamSince(query: URLSearchParams): number | null {
  checkQuery(query, ['since']);
  return query.has('since') ? queryInt(query, 'since', 0, 0, Number.MAX_SAFE_INTEGER) : null;
}

/** Whether a GET /v1/logs asks to follow (then the HTTP server streams it). */
export function wantsFollow(query: URLSearchParams): boolean {
  try {
    return queryBool(query, 'follow');
  } catch {
    return false; // the gate answers the bad value
  }
}

/** Checks a follow request's query; throws the 400 a bad one earns. */
export function followQuery(query: URLSearchParams): LogQuery {
  checkQuery(query, ['lines', 'level', 'follow']);
  return logQuery(query);
}

export function followActivity(
  streams: FollowStreams,
  host: Remote<HostService>,
  sink: SseSink,
  since: number,
): () => void {
  return streams.activity.attach(sink, async () => {
    // Pages of at most 5000: a client far behind gets everything the host still keeps.
    const entries: ActivityEvent[] = [];
    let from = since;
    for (;;) {
      const page = await host.activity(from, 5000);
      entries.push(...page.events);
      const got = page.events[page.events.length - 1]?.seq ?? page.last_seq;
      if (got >= page.last_seq) return { entries, last: page.last_seq };
      from = got;
    }
  });
}

export function followLogs(
  streams: FollowStreams,
  host: Remote<HostService>,
  sink: SseSink,
  q: LogQuery,
  lastEventId: string | undefined,
): () => void {
  const after = lastEventId && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : 0;
  return streams.logs.attach(
    sink,
    async () => {
      // A reconnect resumes after its last record (everything since, up to the ring); a new
      // follower starts with the newest `lines`.
      const page = await host.logs(after ? { lines: LOG_RING, level: q.level } : q, after);
      return { entries: page.entries, last: page.last_seq };
    },
    (e) => atLeast(e.rec.level, q.level),
  );
}

/**
 * How a stream of `route` starts on `sink`: the store's events (with the event log after
 * `since` when asked), or the host's log followed. Throws the 400 a bad query earns, before
 * any header is sent; the returned function attaches and gives back the detach.
 */
export function streamAttacher(
  route: RouteMatch,
  sink: SseSink,
  hub: EventHub,
  follow: (FollowStreams & { host: Remote<HostService> }) | undefined,
  lastEventId: string | undefined,
): () => () => void {
  const { query } = route.target;
  if (route.route === 'logs' && follow) {
    const q = followQuery(query);
    return () => followLogs(follow, follow.host, sink, q, lastEventId);
  }
  let since: number | null = null;
  if (follow) since = eventStreamSince(query);
  else checkQuery(query, []);
  return () => {
    const detachStore = hub.attach(sink, lastEventId);
    const detachLog = since !== null && follow ? followActivity(follow, follow.host, sink, since) : () => {};
    return () => {
      detachStore();
      detachLog();
    };
  };
}
