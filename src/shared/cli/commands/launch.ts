// `launch`: the seed's flags, checked by the seed's own /launch validation before anything is
// sent, then launched under an Idempotency-Key with the CLI's retry policy.

import { checkIdempotencyKey, validateLaunchQuery } from '../../validation';
import { type CommandRunner, print, textFlag } from '../context';
import { EXIT } from '../env';
import { launchedLine } from '../format';
import { jsonLines } from '../json-lines';
import { launchRetrying, newIdempotencyKey } from '../launch-retry';
import { LocalInputError } from '../usage-error';

/** Runs a local check; what it throws is the command line's fault (exit 2), not the API's. */
function locally<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new LocalInputError(err instanceof Error ? err.message : String(err));
  }
}

export const launch: CommandRunner = async (ctx) => {
  const { env, io, color, json, flags } = ctx;
  const query = new URLSearchParams();
  query.set('vm_region', textFlag(flags, 'vm-region') ?? '');
  query.set('vm_memory', textFlag(flags, 'vm-memory') ?? '');
  query.set('vm_cores', textFlag(flags, 'vm-cores') ?? '');
  const n = textFlag(flags, 'num-candidates');
  if (n !== undefined) query.set('num_candidates', n);
  // The seed's /launch parameters are exactly these flags, so its validation — and its
  // messages, word for word — apply before anything is sent.
  const req = locally(() => validateLaunchQuery(query));
  const key = locally(() => checkIdempotencyKey(textFlag(flags, 'idempotency-key')) ?? newIdempotencyKey());
  const vm = await launchRetrying(env.api, req, key, io, color, flags.wait === true ? 'started' : undefined);
  if (json) print(io, jsonLines(vm));
  else print(io, [launchedLine(vm, color)]);
  // --wait that ended in failed: the launch happened, but what was asked for did not.
  return vm.state === 'failed' && flags.wait === true ? EXIT.failed : EXIT.ok;
};
