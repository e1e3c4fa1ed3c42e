// `completion bash|zsh|fish`: prints the shell's completion script (completion-scripts.ts).

import { completionScript, SHELLS, type Shell } from '../completion-scripts';
import { type CommandRunner, print } from '../context';
import { jsonLines } from '../json-lines';
import { UsageError } from '../usage-error';

export const completion: CommandRunner = ({ io, json, positionals }) => {
  const shell = positionals[0]?.toLowerCase();
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`completion: unknown shell '${positionals[0]}' (${SHELLS.join(', ')})`, 'completion');
  }
  const script = completionScript(shell as Shell);
  if (json) return print(io, jsonLines({ shell, script }));
  // One write: the script's own line breaks, without a trailing empty line.
  return print(io, [script.replace(/\n$/, '')]);
};
