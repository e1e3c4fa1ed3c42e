// The flags of the `flylight` command line, for the CLI and the console pane alike. Flags may
// come before or after the command, as the seed's CLI wrote it (`flylight --vm-memory 8
// --vm-cores 4 --vm-region SIN launch`), so a flag's kind must not depend on the command: every
// flag name means the same thing everywhere.

import { LOG_LEVELS, LOG_RING } from '../host-log';
import { STRATEGIES } from '../placement';
import { LEASE_TTL } from '../store-spec';
import { VM_FLAGS } from './vm-grammar';

export type FlagKind = 'bool' | 'text' | 'int';

export interface FlagSpec {
  /** Canonical name without dashes, e.g. 'vm-region'. */
  name: string;
  aliases?: string[];
  /** One-letter form, e.g. 'h' for -h. */
  short?: string;
  kind: FlagKind;
  /** Placeholder shown in help, e.g. 'GB'. */
  value?: string;
  /** Inclusive range for 'int' flags. */
  min?: number;
  max?: number;
  choices?: readonly string[];
  /** Values that complete after this flag come from the region list. */
  regionValue?: boolean;
  help: string;
}

export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'vm-region',
    aliases: ['region'],
    short: 'r',
    kind: 'text',
    value: 'REGION',
    regionValue: true,
    help: 'region code, any case (e.g. SIN); launch and place take several to try in order (sin,nrt)',
  },
  { name: 'vm-memory', aliases: ['memory'], kind: 'text', value: 'GB', help: 'memory in whole GB (1–256)' },
  { name: 'vm-cores', aliases: ['cores'], kind: 'text', value: 'N', help: 'cores, a whole number (1–32)' },
  { name: 'num-candidates', kind: 'text', value: 'N', help: 'machines to ask the store for (default 5)' },
  {
    name: 'strategy',
    kind: 'text',
    value: 'S',
    choices: STRATEGIES,
    help: 'placement: random (default), binpack (fullest machine that fits) or spread (emptiest)',
  },
  {
    name: 'count',
    kind: 'text',
    value: 'N',
    help: 'how many: VMs to launch together, all or none (1–100); actors to crash (chaos kill-actors)',
  },
  { name: 'explain', kind: 'bool', help: 'also print the placement plan: every machine, kept or refused, and why' },
  { name: 'filter', kind: 'text', value: 'STATUS', help: 'only regions whose status contains STATUS (any case)' },
  {
    name: 'sort',
    kind: 'text',
    value: 'KEY',
    choices: ['code', 'location', 'status'],
    help: 'order by code, location or status',
  },
  { name: 'port', kind: 'int', value: 'N', min: 0, max: 65535, help: 'proxy port (0 lets the OS pick; default 3030)' },
  {
    name: 'listen',
    aliases: ['host'],
    kind: 'text',
    value: 'ADDR',
    help: 'address to bind (default 127.0.0.1); anything but loopback prints a warning',
  },
  {
    name: 'compat-open',
    kind: 'bool',
    help: "serve the seed's /regions and /launch without the token (off by default)",
  },
  {
    name: 'regions',
    kind: 'text',
    value: 'FILE|CODES',
    help: 'serve: bootstrap CSV of regions and machines; load: region codes to launch in (SIN,NRT; default all)',
  },
  {
    name: 'mix',
    kind: 'text',
    value: 'MIX',
    help: 'VM sizes as CORESxGB:WEIGHT, comma-separated (default 1x1:70,4x8:25,16x64:5)',
  },
  {
    name: 'destroy-after',
    kind: 'text',
    value: 'D',
    help: 'destroy each VM this long after its launch (the rest when the launches end); default: keep them',
  },
  {
    name: 'rotate',
    kind: 'bool',
    help: 'make a new token: the old one stops working and every browser is signed out',
  },
  {
    name: 'flyd-interval',
    kind: 'int',
    value: 'MS',
    min: 1,
    max: 3_600_000,
    help: 'FlyD flush interval in ms (default 1000)',
  },
  { name: 'data-dir', kind: 'text', value: 'DIR', help: 'where the durable fleet state lives' },
  { name: 'ephemeral', kind: 'bool', help: 'keep everything in memory; forget it on exit' },
  {
    name: 'store',
    kind: 'text',
    value: 'URL',
    help: 'lmdb (default: the data directory) or etcd://HOST:PORT[,HOST:PORT…] to share one fleet between hosts (etcd+https:// for TLS)',
  },
  { name: 'etcd-cacert', kind: 'text', value: 'FILE', help: 'CA bundle of the etcd servers (etcd+https://)' },
  {
    name: 'etcd-cert',
    kind: 'text',
    value: 'FILE',
    help: 'client certificate for etcd (etcd+https://, with --etcd-key)',
  },
  { name: 'etcd-key', kind: 'text', value: 'FILE', help: 'private key of --etcd-cert' },
  {
    name: 'etcd-user',
    kind: 'text',
    value: 'USER',
    help: 'etcd user when etcd has auth enabled; the password comes from FLYLIGHT_ETCD_PASSWORD',
  },
  {
    name: 'lease-ttl',
    kind: 'int',
    value: 'SECONDS',
    min: LEASE_TTL.min,
    max: LEASE_TTL.max,
    help: `TTL of this host's etcd lease (${LEASE_TTL.min}-${LEASE_TTL.max}, default ${LEASE_TTL.default}): a dead host's machines move within it`,
  },
  {
    name: 'rate-limit',
    kind: 'int',
    value: 'N',
    min: 1,
    max: 1_000_000,
    help: 'requests per second allowed per token, with bursts of twice that (default 500)',
  },
  {
    name: 'idempotency-key',
    kind: 'text',
    value: 'KEY',
    help: 'a key of your own, so re-running the same launch returns its VM instead of a second one',
  },
  {
    name: 'seed',
    kind: 'int',
    value: 'N',
    min: 0,
    max: 2 ** 32 - 1,
    help: 'seed placement, the store shuffle, timing draws and chaos victims (serve), or the size and region draws (load), for repeatable runs',
  },
  {
    name: 'api',
    kind: 'text',
    value: 'URL',
    help: 'Flylight API address (env FLYLIGHT_API; default http://127.0.0.1:3030)',
  },
  {
    name: 'token',
    kind: 'text',
    value: 'TOKEN',
    help: 'API token (env FLYLIGHT_TOKEN; default: the one `flylight token` prints)',
  },
  { name: 'follow', kind: 'bool', help: 'keep printing new log lines until Ctrl+C' },
  {
    name: 'level',
    kind: 'text',
    value: 'L',
    choices: LOG_LEVELS,
    help: 'only log lines at L and above: debug, info, warn or error',
  },
  {
    name: 'lines',
    short: 'n',
    kind: 'int',
    value: 'N',
    min: 0,
    max: LOG_RING,
    help: 'how many of the newest log lines (default 100)',
  },
  { name: 'evacuate', kind: 'bool', help: 'machine offline: re-place its VMs elsewhere through normal placement' },
  {
    name: 'rate',
    kind: 'text',
    value: 'N',
    help: 'load: launches per second (above 0); chaos fail-machines: probability per machine per second (0.05 or 5%)',
  },
  { name: 'duration', kind: 'text', value: 'D', help: 'how long: 30s, 2m, 1m30s, 1h' },
  { name: 'repair', kind: 'text', value: 'D', help: 'how long a failed machine stays down, about (default 10s)' },
  {
    name: 'scenario',
    kind: 'text',
    value: 'NAME|DIR',
    help: 'serve: start from a shipped scenario (by name) or a scenario directory',
  },
  { name: 'yes', short: 'y', kind: 'bool', help: 'do it without asking for confirmation' },
  { name: 'json', short: 'j', kind: 'bool', help: 'print JSON for scripts instead of tables' },
  { name: 'no-color', kind: 'bool', help: 'no colours (also env NO_COLOR)' },
  { name: 'help', short: 'h', kind: 'bool', help: 'show help' },
  { name: 'version', short: 'v', kind: 'bool', help: 'show the version' },
  ...VM_FLAGS,
];

export const GLOBAL_FLAGS: readonly string[] = ['api', 'token', 'json', 'no-color', 'help', 'version'];

export function flagSpec(nameOrAlias: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.name === nameOrAlias || f.aliases?.includes(nameOrAlias));
}

export function shortFlagSpec(letter: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.short === letter);
}
