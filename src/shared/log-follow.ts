// `GET /v1/logs?follow=true` as a subscription, over the same fetch-based SSE reader as the
// event stream (Node's CLI and a browser alike). Each record arrives once: a reconnect sends
// Last-Event-ID and the host resumes after the last record this client saw.

import type { ConnectionState, EventSubscription } from './api';
import type { LogQuery, LogRecord } from './host-log';
import { connectSse, type SseOptions } from './sse';

export type FollowLogs = (
  q: LogQuery,
  onRecord: (rec: LogRecord) => void,
  onState?: (s: ConnectionState, detail?: string) => void,
) => EventSubscription;

export function logFollower(baseUrl: string, opts: SseOptions = {}): FollowLogs {
  return (q, onRecord, onState) => {
    const url = `${baseUrl.replace(/\/+$/, '')}/v1/logs?follow=true&lines=${q.lines}&level=${q.level}`;
    return connectSse(
      url,
      {
        onMessage(m) {
          if (m.event !== 'log') return;
          try {
            const rec = JSON.parse(m.data) as LogRecord;
            if (rec && typeof rec === 'object' && typeof rec.msg === 'string') onRecord(rec);
          } catch {
            // not a record: skip it
          }
        },
        onState,
      },
      opts,
    );
  };
}
