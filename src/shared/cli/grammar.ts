// The `flylight` command grammar: which commands exist, which flags each takes, and one parser
// for the CLI and the console pane. Flags may come before or after the command, as the seed's
// CLI wrote it (`flylight --vm-memory 8 --vm-cores 4 --vm-region SIN launch`), so a flag's kind
// must not depend on the command: every flag name means the same thing everywhere.

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

export type CommandName =
  | 'regions'
  | 'machines'
  | 'launch'
  | 'vms'
  | 'destroy'
  | 'status'
  | 'watch'
  | 'reset'
  | 'token'
  | 'serve'
  | 'help'
  | 'version';

export interface PositionalSpec {
  name: string;
  required: boolean;
  help: string;
  regionValue?: boolean;
  commandValue?: boolean;
}

export interface CommandSpec {
  name: CommandName;
  summary: string;
  positionals: PositionalSpec[];
  /** Command-specific flags (global flags are accepted everywhere). */
  flags: string[];
  /** Launch's memory and cores: required flags, checked after parsing. */
  required?: string[];
  details?: string[];
  examples: string[];
  /** Runs only in a terminal (needs Node), not in the console pane. */
  terminalOnly?: boolean;
}

export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'vm-region',
    aliases: ['region'],
    kind: 'text',
    value: 'REGION',
    regionValue: true,
    help: 'region code, any case (e.g. SIN)',
  },
  { name: 'vm-memory', aliases: ['memory'], kind: 'text', value: 'GB', help: 'memory in whole GB (1–256)' },
  { name: 'vm-cores', aliases: ['cores'], kind: 'text', value: 'N', help: 'cores, a whole number (1–32)' },
  { name: 'num-candidates', kind: 'text', value: 'N', help: 'machines to ask the store for (default 5)' },
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
  { name: 'regions', kind: 'text', value: 'FILE', help: 'bootstrap CSV of regions and machines' },
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
    help: 'seed the placement shuffle (for repeatable runs)',
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
  { name: 'yes', short: 'y', kind: 'bool', help: 'do it without asking for confirmation' },
  { name: 'json', kind: 'bool', help: 'print JSON for scripts instead of tables' },
  { name: 'no-color', kind: 'bool', help: 'no colours (also env NO_COLOR)' },
  { name: 'help', short: 'h', kind: 'bool', help: 'show help' },
  { name: 'version', short: 'v', kind: 'bool', help: 'show the version' },
];

export const GLOBAL_FLAGS: readonly string[] = ['api', 'token', 'json', 'no-color', 'help', 'version'];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'regions',
    summary: 'list regions with their machines and utilisation',
    positionals: [],
    flags: ['filter', 'sort'],
    details: ['UTIL% is the larger of the core and the memory utilisation: whichever runs out first.'],
    examples: ['regions', 'regions --filter degraded', 'regions --sort status --json'],
  },
  {
    name: 'machines',
    summary: "list a region's machines",
    positionals: [{ name: 'REGION', required: true, help: 'region code, any case', regionValue: true }],
    flags: [],
    examples: ['machines SIN', 'machines ord --json'],
  },
  {
    name: 'launch',
    summary: 'start a VM on a machine with room in a region',
    positionals: [],
    flags: ['vm-region', 'vm-memory', 'vm-cores', 'num-candidates', 'idempotency-key'],
    required: ['vm-region', 'vm-memory', 'vm-cores'],
    details: [
      'Flags may come before the command, as the seed wrote it.',
      'Every launch carries an Idempotency-Key (a new one per run unless --idempotency-key gives it):',
      'when a worker is restarting (503) the launch is retried for a few seconds under the same key,',
      'so it starts at most one VM.',
    ],
    examples: [
      'launch --vm-region SIN --vm-memory 8 --vm-cores 4',
      '--vm-memory 8 --vm-cores 4 --vm-region SIN launch',
      'launch --vm-region SIN --vm-memory 8 --vm-cores 4 --idempotency-key deploy-42 --json',
    ],
  },
  {
    name: 'vms',
    summary: 'list running VMs',
    positionals: [],
    flags: ['vm-region'],
    examples: ['vms', 'vms --vm-region SIN --json'],
  },
  {
    name: 'destroy',
    summary: "destroy a VM and free its machine's resources",
    positionals: [{ name: 'VM_ID', required: true, help: 'the id `launch` printed' }],
    flags: [],
    examples: ['destroy vm-3f9c2a71'],
  },
  {
    name: 'status',
    summary: 'version, uptime, fleet totals, workers and request counts',
    positionals: [],
    flags: [],
    examples: ['status', 'status --json'],
  },
  {
    name: 'watch',
    summary: 'print machine changes as they happen (Ctrl+C stops)',
    positionals: [],
    flags: ['vm-region'],
    details: ['Reconnects by itself when the connection drops, and says so.'],
    examples: ['watch', 'watch --vm-region SIN', 'watch --json'],
  },
  {
    name: 'reset',
    summary: 'destroy every VM and return the fleet to its bootstrap state',
    positionals: [],
    flags: ['yes'],
    details: ["Asks you to type 'reset' first; --yes skips the question (scripts, and the console pane, need it)."],
    examples: ['reset', 'reset --yes'],
  },
  {
    name: 'token',
    summary: 'print the API token, for scripts (--rotate: replace it)',
    positionals: [],
    flags: ['rotate'],
    details: [
      'Prints the token the host created on its first start (mode 0600 in the config directory:',
      '$XDG_CONFIG_HOME/flylight/token, by default ~/.config/flylight/token), and nothing else.',
      'Every /v1 call, the event stream and /metrics need it as Authorization: Bearer <token>:',
      '  curl -H "Authorization: Bearer $(flylight token)" http://127.0.0.1:3030/v1/regions',
      '--rotate asks the running host for a new token (or, when none answers, rewrites the file) and',
      'prints it: the old token stops working and every browser dashboard is signed out.',
    ],
    examples: ['token', 'token --rotate'],
    terminalOnly: true,
  },
  {
    name: 'serve',
    summary: 'run the Flylight host headless: store, orchestrator and proxy',
    positionals: [],
    flags: ['port', 'listen', 'regions', 'flyd-interval', 'data-dir', 'ephemeral', 'seed', 'rate-limit', 'compat-open'],
    details: [
      'Environment: FLYLIGHT_PORT, FLYLIGHT_REGIONS, FLYLIGHT_FLYD_INTERVAL, FLYLIGHT_DATA_DIR, FLYLIGHT_RATE_LIMIT (flags win).',
      'Creates the API token on first start (see `flylight token`) and prints the dashboard link with it:',
      'open that link once and the page keeps a session instead (in its own storage, never a cookie).',
      "--compat-open is off by default: the seed's own CLI sends no token, and an open port lets any",
      'local process or web page drive the platform. Turn it on only to run the seed CLI unchanged.',
      'Ctrl+C or SIGTERM shuts down cleanly: FlyD queues flushed, port closed.',
    ],
    examples: [
      'serve',
      'serve --port 0 --ephemeral',
      'serve --regions ./my-fleet.csv --flyd-interval 15000',
      'serve --compat-open',
    ],
    terminalOnly: true,
  },
  {
    name: 'help',
    summary: 'show help for all commands or one',
    positionals: [{ name: 'COMMAND', required: false, help: 'a command name', commandValue: true }],
    flags: [],
    examples: ['help', 'help launch'],
  },
  {
    name: 'version',
    summary: 'show the version',
    positionals: [],
    flags: [],
    examples: ['version'],
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function flagSpec(nameOrAlias: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.name === nameOrAlias || f.aliases?.includes(nameOrAlias));
}

export function shortFlagSpec(letter: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.short === letter);
}

/** Flags (canonical names) a command accepts, its own first. */
export function flagsOf(command: CommandName | null): string[] {
  if (!command) return FLAGS.map((f) => f.name);
  const spec = commandSpec(command);
  return [...(spec?.flags ?? []), ...GLOBAL_FLAGS];
}

/** A mistake in how the command was written: exit code 2. */
export class UsageError extends Error {
  /** The command whose help would explain, when known. */
  readonly command: CommandName | null;
  constructor(message: string, command: CommandName | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export type FlagValues = Record<string, string | number | boolean>;

export interface Parsed {
  /** null when only flags were given (e.g. `flylight --help`). */
  command: CommandName | null;
  positionals: string[];
  /** By canonical flag name. 'int' flags are numbers, 'bool' flags true, the rest strings. */
  flags: FlagValues;
}

/** Parses argv (without the program name). Throws UsageError. */
export function parseArgs(argv: readonly string[]): Parsed {
  const flags: FlagValues = {};
  const words: string[] = [];
  let onlyWords = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyWords || arg === '-' || !arg.startsWith('-') || isNegativeNumber(arg)) {
      words.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyWords = true;
      continue;
    }
    let spec: FlagSpec | undefined;
    let written: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      written = `--${name}`;
      spec = flagSpec(name);
      if (!spec) throw new UsageError(unknownFlag(written, words));
    } else {
      written = arg;
      spec = arg.length === 2 ? shortFlagSpec(arg[1]) : undefined;
      if (!spec) throw new UsageError(unknownFlag(arg, words));
    }
    if (spec.name in flags) throw new UsageError(`${display(spec)} is given twice`);
    if (spec.kind === 'bool') {
      if (inline !== undefined) throw new UsageError(`${written} takes no value`);
      flags[spec.name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-' && !isNegativeNumber(next))) {
        throw new UsageError(`${written} needs a value (${spec.value ?? 'VALUE'})`);
      }
      value = next;
      i++;
    }
    flags[spec.name] = convert(spec, written, value);
  }

  const [first, ...rest] = words;
  let command: CommandName | null = null;
  if (first !== undefined) {
    const spec = commandSpec(first);
    if (!spec) throw new UsageError(unknownCommand(first));
    command = spec.name;
  }
  // With --help the rest of the line is not checked: people add it to a half-written command.
  if (!flags.help && !flags.version) checkCommand(command, rest, flags);
  return { command, positionals: rest, flags };
}

function checkCommand(command: CommandName | null, positionals: string[], flags: FlagValues): void {
  const allowed = new Set(command ? flagsOf(command) : GLOBAL_FLAGS);
  for (const name of Object.keys(flags)) {
    if (allowed.has(name)) continue;
    const spec = flagSpec(name) as FlagSpec;
    const owners = COMMANDS.filter((c) => c.flags.includes(name)).map((c) => c.name);
    throw new UsageError(
      command
        ? `${command} does not take ${display(spec)} (${owners.join(', ')} ${owners.length === 1 ? 'does' : 'do'})`
        : `${display(spec)} belongs to a command (${owners.join(', ')}); add the command`,
      command,
    );
  }
  if (!command) return;
  const spec = commandSpec(command) as CommandSpec;
  spec.positionals.forEach((p, i) => {
    if (p.required && positionals[i] === undefined) {
      throw new UsageError(`${command} needs ${p.name} (e.g. ${spec.examples[0]})`, command);
    }
  });
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument '${positionals[spec.positionals.length]}' for ${command}`, command);
  }
  for (const name of spec.required ?? []) {
    if (!(name in flags)) {
      const f = flagSpec(name) as FlagSpec;
      throw new UsageError(`${command} needs ${display(f)} ${f.value} (e.g. ${spec.examples[0]})`, command);
    }
  }
  if (command === 'help' && positionals[0] !== undefined && !commandSpec(positionals[0])) {
    throw new UsageError(unknownCommand(positionals[0]), command);
  }
}

function convert(spec: FlagSpec, written: string, value: string): string | number {
  if (spec.kind === 'int') {
    const range = spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}` : '';
    const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (
      !Number.isSafeInteger(n) ||
      (spec.min !== undefined && n < spec.min) ||
      (spec.max !== undefined && n > spec.max)
    ) {
      throw new UsageError(`${written} must be a whole number${range}, got '${value}'`);
    }
    return n;
  }
  if (spec.choices && !spec.choices.includes(value.toLowerCase())) {
    throw new UsageError(`${written} must be one of ${spec.choices.join(', ')}; got '${value}'`);
  }
  if (value.trim() === '')
    throw new UsageError(`${written} needs a value (${spec.value ?? 'VALUE'}), got an empty one`);
  return spec.choices ? value.toLowerCase() : value;
}

function isNegativeNumber(arg: string): boolean {
  return /^-\d+(\.\d+)?$/.test(arg);
}

function display(spec: FlagSpec): string {
  return `--${spec.name}`;
}

function unknownCommand(word: string): string {
  const guess = closest(
    word,
    COMMANDS.map((c) => c.name),
  );
  return `unknown command '${word}'${guess ? ` — did you mean '${guess}'?` : ''} (see \`help\`)`;
}

function unknownFlag(written: string, words: string[]): string {
  const command = words.length ? (commandSpec(words[0])?.name ?? null) : null;
  const pool = FLAGS.flatMap((f) => [f.name, ...(f.aliases ?? [])]).map((n) => `--${n}`);
  const preferred = command ? flagsOf(command).map((n) => `--${n}`) : pool;
  const guess = closest(written, preferred) ?? closest(written, pool);
  return `unknown flag ${written}${guess ? ` — did you mean ${guess}?` : ''}`;
}

/** The nearest candidate by edit distance, or null when none is plausibly meant. */
export function closest(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = c.startsWith(w) && w.length >= 2 ? 0.5 : distance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(w.replace(/^-+/, '').length / 3)));
  return bestDistance <= allowed ? best : null;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair counts as one typo. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
