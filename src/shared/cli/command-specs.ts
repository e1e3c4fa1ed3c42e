// The commands of the `flylight` command line: what each is for, its arguments and flags, its
// help text and examples. The parser, help and completion all read this one list.

import { FLAGS, GLOBAL_FLAGS } from './flag-specs';
import { SERVE_COMMAND } from './serve-spec';
import { VM_COMMANDS } from './vm-grammar';

export type CommandName =
  | 'regions'
  | 'machines'
  | 'launch'
  | 'place'
  | 'platform'
  | 'vms'
  | 'destroy'
  | 'status'
  | 'cluster'
  | 'watch'
  | 'logs'
  | 'reset'
  | 'load'
  | 'token'
  | 'serve'
  | 'machine'
  | 'region'
  | 'chaos'
  | 'help'
  | 'version'
  | 'vm'
  | 'scenario'
  | 'completion';

export interface PositionalSpec {
  name: string;
  required: boolean;
  help: string;
  regionValue?: boolean;
  commandValue?: boolean;
  /** Fixed words this argument takes (Tab completes them). */
  choices?: readonly string[];
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

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'regions',
    summary: 'list regions with their machines and utilisation',
    positionals: [],
    flags: ['filter', 'sort'],
    details: [
      'UTIL% is the larger of the core and the memory utilisation: whichever runs out first.',
      'CAPACITY is how many reference VMs (2 cores, 4 GB) still fit, machine by machine; --json adds the',
      'free cores and memory stranded in slots too small for one (fragmentation). `platform regions` is the same.',
    ],
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
    flags: [
      'vm-region',
      'vm-memory',
      'vm-cores',
      'num-candidates',
      'idempotency-key',
      'strategy',
      'count',
      'explain',
      'wait',
    ],
    required: ['vm-region', 'vm-memory', 'vm-cores'],
    details: [
      'Flags may come before the command, as the seed wrote it.',
      '--vm-region sin,nrt tries SIN, then NRT; --count N launches N VMs, all or none;',
      "--strategy picks the machine (default: the host's); --explain prints the plan it followed.",
      'Every launch carries an Idempotency-Key (a new one per run unless --idempotency-key gives it):',
      'when a worker is restarting (503) the launch is retried for a few seconds under the same key,',
      'so it starts at most one VM.',
      'It answers once the VM is created (started too, with the instant timing profile); --wait',
      'answers once it has started or failed.',
    ],
    examples: [
      'launch --vm-region SIN --vm-memory 8 --vm-cores 4',
      '--vm-memory 8 --vm-cores 4 --vm-region SIN launch',
      'launch --vm-region SIN --vm-memory 8 --vm-cores 4 --idempotency-key deploy-42 --json',
      'launch --vm-region sin,nrt --vm-memory 4 --vm-cores 2 --count 3 --strategy spread --explain',
    ],
  },
  {
    name: 'place',
    summary: 'show where a launch would go and why, placing nothing (a dry run)',
    positionals: [],
    flags: ['vm-region', 'vm-memory', 'vm-cores', 'count', 'strategy'],
    required: ['vm-region', 'vm-memory', 'vm-cores'],
    details: [
      'Every machine of the region as its MachineD sees it now: status, free cores and memory, the',
      'verdict (fits, chosen, or why not: not schedulable, cores short by N, memory short by N GB),',
      'and its rank: binpack tries the least free room first, spread the most. ✓ marks the choice.',
    ],
    examples: [
      'place --vm-region SIN --vm-memory 8 --vm-cores 4',
      'place --vm-region sin,nrt --vm-memory 8 --vm-cores 4 --count 3 --strategy binpack --json',
    ],
  },
  {
    name: 'platform',
    summary: "fly.io's form: `platform regions` lists regions with how many reference VMs still fit",
    positionals: [{ name: 'WHAT', required: true, help: 'regions' }],
    flags: ['filter', 'sort'],
    examples: ['platform regions', 'platform regions --json'],
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
    name: 'cluster',
    summary: 'hosts sharing the fleet through etcd, machines each owns, leases, etcd members and leader',
    positionals: [],
    flags: [],
    details: [
      'Only for a host started with --store etcd://…; each host holds its machines under an etcd lease',
      'that a dead host loses within its TTL, and the survivors take its machines.',
    ],
    examples: ['cluster', 'cluster --json'],
  },
  {
    name: 'watch',
    summary: 'print machine and VM changes as they happen (Ctrl+C stops)',
    positionals: [],
    flags: ['vm-region'],
    details: ['Reconnects by itself when the connection drops, and says so.'],
    examples: ['watch', 'watch --vm-region SIN', 'watch --json'],
  },
  {
    name: 'logs',
    summary: "show the host's log (--follow: keep printing new lines until Ctrl+C)",
    positionals: [],
    flags: ['follow', 'level', 'lines'],
    details: [
      'The records every thread writes to <data dir>/logs/flylight.log, asked of the host over its port,',
      'so it works against any host (--api) without finding its data directory. The host keeps the newest',
      '5000 in memory, including the last lines of its previous run. --level L shows L and above',
      '(debug, info, warn, error); --json prints each record as one JSON object per line.',
    ],
    examples: ['logs', 'logs --follow', 'logs --level warn --lines 20', 'logs --follow --json'],
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
    name: 'load',
    summary: 'launch VMs at a steady rate with a mix of sizes, live figures, a summary (Ctrl+C stops)',
    positionals: [],
    flags: ['rate', 'duration', 'mix', 'regions', 'destroy-after', 'strategy', 'seed'],
    required: ['rate', 'duration'],
    details: [
      'Open loop: launch i leaves at i/RATE s whether or not earlier ones have answered, so a slow host',
      'shows up as latency and errors, not as a lower rate. Each launch draws a size from --mix',
      '(CORESxGB:WEIGHT, default 1x1:70,4x8:25,16x64:5) and a region from --regions (default: all),',
      'from --seed (printed in the summary, so a run can be repeated). --destroy-after destroys each VM',
      'that long after its launch, and the rest when the launches end; without it the VMs stay.',
      'Live: rate, ok, no capacity, errors, p50/p99 latency. Ctrl+C stops launching and still destroys',
      "and summarises; in the console pane the host runs it, as the dashboard's Load panel does.",
    ],
    examples: [
      'load --rate 200 --duration 60s --mix "1x1:70,4x8:25,16x64:5" --regions SIN,NRT --destroy-after 30s',
      'load --rate 50 --duration 10s --destroy-after 5s --seed 7 --json',
      'load --rate 500 --duration 2m --strategy binpack --destroy-after 20s',
    ],
  },
  {
    name: 'machine',
    summary: 'drain a machine, take it offline (--evacuate: re-place its VMs) or bring it online',
    positionals: [
      { name: 'ACTION', required: true, help: 'drain, offline or online', choices: ['drain', 'offline', 'online'] },
      { name: 'MACHINE_ID', required: false, help: 'the id `machines REGION` lists' },
    ],
    flags: ['evacuate'],
    details: [
      'A machine is a physical host (a fly.io "host"); what fly.io calls a Machine is a VM here.',
      'drain: no new VMs land on it; its VMs keep running.',
      'offline: its VMs fail with reason host_offline and free what they held; with --evacuate each',
      'gets a replacement VM (new id, same size and region) through normal placement, and each that',
      'could not be placed is reported.',
      'online: back in service; VMs that failed with it stay failed.',
    ],
    examples: ['machine drain sin-1', 'machine offline sin-1 --evacuate', 'machine online sin-1 --json'],
  },
  {
    name: 'region',
    summary: "set a region's status: operational, degraded or down",
    positionals: [
      { name: 'status', required: true, help: 'the word `status`', choices: ['status'] },
      { name: 'CODE', required: true, help: 'region code, any case', regionValue: true },
      {
        name: 'STATUS',
        required: true,
        help: 'operational, degraded or down (any case)',
        choices: ['operational', 'degraded', 'down'],
      },
    ],
    flags: [],
    details: [
      "degraded: lifecycle stages run slower by the timing profile's degraded_factor.",
      'down: launches there are refused, naming the nearest regions with room.',
    ],
    examples: ['region status SIN down', 'region status sin Degraded', 'region status SIN operational --json'],
  },
  {
    name: 'chaos',
    summary: 'seeded chaos: kill-actors (supervision restarts them) or fail-machines over time',
    positionals: [
      {
        name: 'ACTION',
        required: true,
        help: 'kill-actors or fail-machines',
        choices: ['kill-actors', 'fail-machines'],
      },
    ],
    flags: ['count', 'vm-region', 'seed', 'rate', 'duration', 'repair'],
    details: [
      'kill-actors --count N [--region R]: crashes the MachineD or FlyD of N machines; the supervisor',
      'restarts each (counted in status and /metrics, an `actor` event in watch).',
      'fail-machines --rate P --duration D [--repair D]: each second each machine in service goes',
      'offline with probability P (its VMs fail) and comes back after about the repair time',
      '(default 10s). Prints each step as it happens.',
      'The same --seed on the same fleet picks the same victims; every answer names its seed.',
    ],
    examples: [
      'chaos kill-actors --count 3 --seed 42',
      'chaos kill-actors --count 2 --region SIN',
      'chaos fail-machines --rate 0.05 --duration 30s --repair 5s --seed 7',
    ],
  },
  {
    name: 'scenario',
    summary: 'export the whole fleet to a directory of files, or import one (replacing the fleet)',
    positionals: [
      { name: 'ACTION', required: true, help: 'export or import', choices: ['export', 'import'] },
      { name: 'DIR', required: true, help: 'a scenario directory' },
    ],
    flags: ['yes'],
    details: [
      'A scenario is regions.csv, machines.csv, vms.csv and scenario.json (strategy, timing, seed):',
      'regions with their statuses, machines with theirs and their allocations, VMs with their states.',
      'import checks every file first: each problem is printed as FILE:LINE and nothing is changed;',
      "otherwise the whole fleet is replaced at once. It asks you to type 'import' (--yes skips that).",
      'VMs caught mid-transition run their stage again from the start, as after a restart.',
      'Shipped scenarios start a host with `flylight serve --scenario NAME`.',
    ],
    examples: ['scenario export ./my-fleet', 'scenario import ./my-fleet --yes', 'scenario export ./snap --json'],
    // It reads and writes files; the dashboard has its own Export / import scenario… instead.
    terminalOnly: true,
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
  SERVE_COMMAND,
  {
    name: 'help',
    summary: 'show help for all commands or one',
    positionals: [{ name: 'COMMAND', required: false, help: 'a command name', commandValue: true }],
    flags: [],
    examples: ['help', 'help launch'],
  },
  {
    name: 'completion',
    summary: 'print a shell completion script: bash, zsh or fish',
    positionals: [{ name: 'SHELL', required: true, help: 'bash, zsh or fish', choices: ['bash', 'zsh', 'fish'] }],
    flags: [],
    details: [
      "The script completes what the dashboard console's Tab completes: commands, each command's flags,",
      'flag values and arguments, and region codes (asked of the running host with `flylight regions`).',
      '  bash: source <(flylight completion bash)   (or save it in ~/.local/share/bash-completion/completions/flylight)',
      '  zsh:  source <(flylight completion zsh)    (or save it as _flylight in a directory of $fpath)',
      '  fish: flylight completion fish | source    (or save it in ~/.config/fish/completions/flylight.fish)',
    ],
    examples: ['completion bash', 'completion zsh > ~/.zfunc/_flylight', 'completion fish | source'],
    terminalOnly: true,
  },
  {
    name: 'version',
    summary: 'show the version',
    positionals: [],
    flags: [],
    examples: ['version'],
  },
  ...VM_COMMANDS,
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Flags (canonical names) a command accepts, its own first. */
export function flagsOf(command: CommandName | null): string[] {
  if (!command) return FLAGS.map((f) => f.name);
  const spec = commandSpec(command);
  return [...(spec?.flags ?? []), ...GLOBAL_FLAGS];
}
