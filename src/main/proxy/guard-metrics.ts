// Metrics of the proxy's front door, registered on the proxy's own registry: open connections,
// connections refused or closed to make room, and requests without a valid credential (let on
// or refused by the strangers' bucket). A flood shows here, not in the log.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { EvictReason } from './connections';

export interface GuardMetrics {
  anonymous(kind: 'api' | 'static', admitted: boolean): void;
  connectionRefused(): void;
  connectionEvicted(why: EvictReason): void;
}

export function registerGuardMetrics(registry: Registry, openConnections: () => number): GuardMetrics {
  const registers = [registry];
  new Gauge({
    name: 'flylight_http_connections',
    help: 'Open HTTP connections.',
    registers,
    collect() {
      this.set(openConnections());
    },
  });
  const refused = new Counter({
    name: 'flylight_http_connections_refused_total',
    help: 'Connections answered 503 and closed because the connection cap was reached.',
    registers,
  });
  const evicted = new Counter({
    name: 'flylight_http_connections_closed_total',
    help: 'Connections closed to make room under the cap, by reason (idle keep-alive, stalled reply, silent).',
    labelNames: ['reason'],
    registers,
  });
  const anonymous = new Counter({
    name: 'flylight_anonymous_requests_total',
    help: 'Requests without a valid credential, by kind (api, static) and result (admitted, refused).',
    labelNames: ['kind', 'result'],
    registers,
  });
  return {
    anonymous: (kind, admitted) => anonymous.inc({ kind, result: admitted ? 'admitted' : 'refused' }),
    connectionRefused: () => refused.inc(),
    connectionEvicted: (why) => evicted.inc({ reason: why }),
  };
}
