// Ids for Tab completion: a machine id where the grammar takes MACHINE_ID (`machine drain …`),
// a VM id where it takes VM_ID (`vm stop …`, `destroy …`; not after `vm run`, whose argument is
// an image, nor `vm list`). The ids come from whoever completes: the console pane passes what the
// dashboard knows; a shell completion script can pass what `machines`/`vms --json` printed.

import type { CommandName, PositionalSpec } from './command-specs';

export interface IdSources {
  machines?(): readonly string[];
  vms?(): readonly string[];
}

export type IdKind = 'machine' | 'vm';

/** `vm` subcommands whose second word is not a VM id. */
const VM_NOT_ID = new Set(['run', 'list', 'ls']);

/** Which ids a positional takes, from its name in the grammar; `args`: the positionals before it. */
export function idKindOf(command: CommandName, positional: PositionalSpec, args: readonly string[]): IdKind | null {
  if (positional.name === 'MACHINE_ID') return 'machine';
  if (positional.name !== 'VM_ID') return null;
  if (command === 'vm' && VM_NOT_ID.has((args[0] ?? '').toLowerCase())) return null;
  return 'vm';
}

/** The ids of a kind that start with what is typed (any case), sorted, each once. */
export function idCandidates(kind: IdKind, prefix: string, sources: IdSources | undefined): string[] {
  const ids = (kind === 'machine' ? sources?.machines?.() : sources?.vms?.()) ?? [];
  const p = prefix.toLowerCase();
  return [...new Set(ids.filter((id) => id.toLowerCase().startsWith(p)))].sort();
}
