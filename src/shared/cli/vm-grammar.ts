// The grammar of the VM lifecycle on the command line, kept apart from the seed's commands:
// `vm run|list|ls|status|start|stop|suspend|restart|destroy|rm|wait` in fly.io's forms
// (`fly machine ...`; in Flylight a fly Machine is a VM, a machine is a physical host), the
// `launch --wait` flag and the host's `serve --timing/--speed` settings.

import type { CommandSpec } from './command-specs';
import type { FlagSpec } from './flag-specs';

export const VM_SUBCOMMANDS = [
  'run',
  'list',
  'ls',
  'status',
  'start',
  'stop',
  'suspend',
  'restart',
  'destroy',
  'rm',
  'wait',
] as const;
export type VmSubcommand = (typeof VM_SUBCOMMANDS)[number];

export const VM_FLAGS: readonly FlagSpec[] = [
  {
    name: 'vm-cpus',
    kind: 'text',
    value: 'N',
    help: 'cores of a `vm run` VM, as flyctl names them (1–32; --vm-cores means the same)',
  },
  { name: 'force', short: 'f', kind: 'bool', help: 'destroy a VM even if it is started' },
  {
    name: 'state',
    kind: 'text',
    value: 'STATE',
    choices: ['created', 'started', 'stopped', 'suspended', 'failed', 'destroyed'],
    help: 'the state `vm wait` waits for (default started)',
  },
  { name: 'timeout', kind: 'text', value: 'DURATION', help: 'how long `vm wait` waits: 10s, 1m or seconds (1–60)' },
  {
    name: 'wait',
    kind: 'bool',
    help: 'answer once the VM has started or failed, not as soon as it is created',
  },
  {
    name: 'timing',
    kind: 'text',
    value: 'PROFILE',
    help: 'how long lifecycle stages take: instant, realistic (default) or a JSON FILE',
  },
  {
    name: 'speed',
    kind: 'text',
    value: 'N',
    help: 'run the simulated clock N times faster (0.1–10000; default 1)',
  },
];

export const VM_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'vm',
    summary: "VMs in fly.io's forms: run, list, status, start, stop, suspend, restart, destroy, wait",
    positionals: [
      { name: 'SUBCOMMAND', required: true, help: VM_SUBCOMMANDS.join(', ') },
      { name: 'VM_ID', required: false, help: 'the VM (`vm run` takes an IMAGE here, and ignores it)' },
    ],
    flags: ['vm-region', 'vm-memory', 'vm-cpus', 'vm-cores', 'force', 'state', 'timeout', 'wait', 'idempotency-key'],
    details: [
      'What fly.io calls a Machine is a VM in Flylight; a Flylight machine is the physical host.',
      'As flyctl takes them: -r/--region, --vm-cpus, --vm-memory in MB (a multiple of 1024: Flylight',
      "allocates whole GB), -j/--json. `launch` keeps the seed's --vm-memory in GB.",
      'States (https://fly.io/docs/machines/machine-states/): created, started, stopped, suspended,',
      'failed; on the way: creating, starting, stopping, suspending, restarting, destroying; destroyed.',
      'stop, suspend, restart need a started VM; start works from created, stopped, suspended, failed.',
      '`vm destroy` refuses a started VM without --force (as `fly machine destroy`).',
      '`vm wait ID --state S --timeout 10s` exits 0 once the VM is in S, 1 on timeout or failure.',
    ],
    examples: [
      'vm run -r sin --vm-cpus 2 --vm-memory 4096',
      'vm run -r sin --vm-cpus 1 --vm-memory 1024 --wait',
      'vm list -r sin',
      'vm status vm-3f9c2a71',
      'vm stop vm-3f9c2a71',
      'vm wait vm-3f9c2a71 --state stopped --timeout 10s',
      'vm destroy vm-3f9c2a71 --force',
    ],
  },
];
