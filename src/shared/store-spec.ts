// Where a host keeps its fleet: `--store`. The default is the embedded store (LMDB in the data
// directory, or memory with --ephemeral); `etcd://h1:2379,h2:2379` shares one fleet between
// several hosts through etcd, `etcd+https://…` does so over TLS. Parsed here, once, so the CLI,
// the desktop entry and the tests give the same answer to the same text.

/** TLS material for `etcd+https://`: paths of PEM files (read by the store worker). */
export interface EtcdTls {
  /** CA bundle that signed the etcd servers' certificates; absent = the system's roots. */
  caFile?: string;
  /** Client certificate and key, for clusters that ask for one (`--client-cert-auth`). */
  certFile?: string;
  keyFile?: string;
}

export interface EtcdStoreConfig {
  kind: 'etcd';
  /** `host:port` of each member the client may dial. */
  endpoints: string[];
  /** null: plain HTTP/2 (loopback and trusted networks only). */
  tls: EtcdTls | null;
  /** etcd user (auth enabled); the password comes from FLYLIGHT_ETCD_PASSWORD, never a flag. */
  user?: string;
  password?: string;
  /** Key prefix, so several fleets can share one etcd (default `/flylight/`). */
  prefix: string;
  /**
   * TTL of this host's etcd lease, in seconds (`--lease-ttl`; default LEASE_TTL.default): a dead
   * host's machines move within it, and a host that has not renewed it for that long stops
   * launching. A big fleet on a busy computer may need more than the default to renew in time.
   */
  leaseTtlS?: number;
}

/** `--lease-ttl`: the default and the range allowed, in seconds. */
export const LEASE_TTL = {
  default: 5,
  // Under 2 s the renewals (every third of it) come faster than an etcd election settles.
  min: 2,
  // Past 5 minutes a dead host's machines would sit without an owner for too long.
  max: 300,
} as const;

export const ETCD_DEFAULT_PREFIX = '/flylight/';
/** What `--store` accepts, for error messages. */
export const STORE_FORMS = 'etcd://HOST:PORT[,HOST:PORT...] or etcd+https://HOST:PORT[,...]';

export class StoreSpecError extends Error {}

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/** One `host:port`, checked: a DNS name, IPv4 or [IPv6], and a port 1–65535. */
function endpoint(text: string, raw: string): string {
  const m = /^(.*):(\d{1,5})$/.exec(text);
  if (!m) throw new StoreSpecError(`--store ${raw}: '${text}' needs a port, e.g. 127.0.0.1:2379 (${STORE_FORMS})`);
  const [, host, portText] = m;
  const port = Number(portText);
  if (!HOST.test(host)) throw new StoreSpecError(`--store ${raw}: '${host}' is not a host name or IP address`);
  if (port < 1 || port > 65535) throw new StoreSpecError(`--store ${raw}: port ${portText} is not in 1–65535`);
  return `${host}:${port}`;
}

/**
 * Parses `--store`. Returns null for the embedded store (`lmdb`, or nothing given). The user may
 * come in the URL (`etcd://alice@h:2379`); a password may not, since command lines are visible
 * to every user of the computer (`ps`): it comes from `password` (FLYLIGHT_ETCD_PASSWORD).
 */
export function parseStoreSpec(
  raw: string | undefined,
  opts: { tls?: EtcdTls; user?: string; password?: string; prefix?: string } = {},
): EtcdStoreConfig | null {
  const tlsGiven = Object.values(opts.tls ?? {}).some((v) => v !== undefined);
  if (raw === undefined || raw.trim() === '' || raw.trim().toLowerCase() === 'lmdb') {
    if (tlsGiven) throw new StoreSpecError('--etcd-cacert, --etcd-cert and --etcd-key need --store etcd+https://…');
    if (opts.user !== undefined) throw new StoreSpecError('--etcd-user needs --store etcd://… or etcd+https://…');
    return null;
  }
  const text = raw.trim();
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(text);
  if (!m) throw new StoreSpecError(`--store '${text}' is not a store URL (lmdb, ${STORE_FORMS})`);
  const scheme = m[1].toLowerCase();
  if (scheme !== 'etcd' && scheme !== 'etcd+https' && scheme !== 'etcd+http') {
    throw new StoreSpecError(`--store: unknown scheme '${m[1]}://' (lmdb, ${STORE_FORMS})`);
  }
  let rest = m[2];
  if (/[/?#]/.test(rest)) {
    throw new StoreSpecError(`--store ${text}: no path or query after the endpoints (${STORE_FORMS})`);
  }
  let user = opts.user;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const info = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (info.includes(':')) {
      throw new StoreSpecError(
        `--store: put the etcd password in FLYLIGHT_ETCD_PASSWORD, not in the URL (every user of this computer can read command lines)`,
      );
    }
    if (user !== undefined && user !== decodeURIComponent(info)) {
      throw new StoreSpecError(`--store names user '${info}' and --etcd-user '${user}': give one`);
    }
    user = decodeURIComponent(info);
  }
  if (user !== undefined && !/^[A-Za-z0-9._@-]{1,128}$/.test(user)) {
    throw new StoreSpecError(`etcd user '${user}' is not valid (1–128 of A-Z a-z 0-9 . _ @ -)`);
  }
  if (user !== undefined && !opts.password) {
    throw new StoreSpecError(`etcd user '${user}' needs a password: set FLYLIGHT_ETCD_PASSWORD`);
  }
  if (user === undefined && opts.password) {
    throw new StoreSpecError('FLYLIGHT_ETCD_PASSWORD is set but no etcd user is given (--etcd-user or etcd://USER@…)');
  }
  const parts = rest.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new StoreSpecError(`--store ${text}: an empty endpoint (${STORE_FORMS})`);
  }
  const endpoints = [...new Set(parts.map((p) => endpoint(p, text)))];
  const tls = scheme === 'etcd+https';
  if (!tls && tlsGiven) {
    throw new StoreSpecError(`--etcd-cacert, --etcd-cert and --etcd-key need etcd+https://, not ${m[1]}://`);
  }
  if (opts.tls && (opts.tls.certFile === undefined) !== (opts.tls.keyFile === undefined)) {
    throw new StoreSpecError('--etcd-cert and --etcd-key come together (a client certificate and its key)');
  }
  const prefix = opts.prefix ?? ETCD_DEFAULT_PREFIX;
  if (!/^\/[A-Za-z0-9._/-]*\/$/.test(prefix)) {
    throw new StoreSpecError(`etcd key prefix '${prefix}' must start and end with / (e.g. /flylight/)`);
  }
  const out: EtcdStoreConfig = { kind: 'etcd', endpoints, tls: tls ? { ...opts.tls } : null, prefix };
  if (user !== undefined) {
    out.user = user;
    out.password = opts.password;
  }
  return out;
}

/** The store for people: `etcd://a:2379,b:2379` (never the password). */
export function describeStore(s: EtcdStoreConfig | null | undefined): string {
  if (!s) return 'lmdb';
  return `${s.tls ? 'etcd+https' : 'etcd'}://${s.user ? `${s.user}@` : ''}${s.endpoints.join(',')}`;
}
