// The dashboard's load runs, run by the host: in the host's main thread, as an HTTP client of
// the proxy's own port like the CLI. The proxy worker only relays start/status/stop to here, so
// the generator's timers and bookkeeping never run on the proxy's thread.

import type { HostConfig } from '../../shared/config';
import { formatDuration } from '../../shared/duration';
import { transportDriver } from '../../shared/load/driver';
import { LoadKeeper } from '../../shared/load/keeper';
import { keepAliveTransport } from '../common/http-transport';
import type { Logger } from '../common/log';
import { readToken } from '../common/token';

export interface HostLoadDeps {
  config: HostConfig;
  /** The proxy's address, once it listens. */
  url(): string;
  regions(): Promise<string[]>;
  log: Logger;
}

export function hostLoad(deps: HostLoadDeps): LoadKeeper {
  // The token on disk at the start of each run: a rotation since the host started is honoured.
  const token = (): string | null => {
    const dir = deps.config.tokenDir;
    if (dir) {
      try {
        return readToken(dir) ?? deps.config.token ?? null;
      } catch {
        return deps.config.token ?? null;
      }
    }
    return deps.config.token ?? null;
  };
  return new LoadKeeper({
    open: () => {
      const t = token();
      const pool = keepAliveTransport(deps.url(), t ? { authorization: `Bearer ${t}` } : {});
      return { driver: transportDriver(pool.transport), close: pool.close };
    },
    regions: deps.regions,
    onFinish: (s) =>
      deps.log.info('load run finished', {
        sent: s.sent,
        ok: s.ok,
        no_capacity: s.no_capacity,
        errors: s.errors,
        destroyed: s.destroyed,
        left: s.left.length,
        rate_achieved: s.rate_achieved,
        took: formatDuration(s.total_ms),
      }),
  });
}
