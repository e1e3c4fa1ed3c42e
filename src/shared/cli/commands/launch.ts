// `launch`: the seed's flags, checked by the seed's own /launch validation before anything is
// sent, then launched under an Idempotency-Key with the CLI's retry policy.

import { checkIdempotencyKey, validateLaunchQuery, validateLaunchText, wantsBatchForm } from '../../validation';
import { type CommandRunner, print, textFlag } from '../context';
import { EXIT } from '../env';
import { launchedLine } from '../format';
import { jsonLines } from '../json-lines';
import { launchRetrying, newIdempotencyKey, retryingLaunch } from '../launch-retry';
import { planLines } from '../place-format';
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
  const strategy = textFlag(flags, 'strategy');
  const count = textFlag(flags, 'count');
  const explain = flags.explain === true;
  const region = textFlag(flags, 'vm-region') ?? '';
  // The seed's flags keep the seed's checks; the placement ones (and a region list) take the
  // checks of POST /v1/vms, whose words they then share.
  const seedOnly = strategy === undefined && count === undefined && !explain && !region.includes(',');
  const req = locally(() =>
    seedOnly
      ? validateLaunchQuery(query)
      : validateLaunchText({
          region,
          memory_gb: textFlag(flags, 'vm-memory'),
          cores: textFlag(flags, 'vm-cores'),
          num_candidates: n,
          strategy,
          count,
          explain,
        }),
  );
  const key = locally(() => checkIdempotencyKey(textFlag(flags, 'idempotency-key')) ?? newIdempotencyKey());
  if (wantsBatchForm(req)) {
    const batch = await retryingLaunch(() => env.api.launchBatch(req, { idempotencyKey: key }), io, color);
    if (json) return print(io, jsonLines(batch));
    const lines = batch.vms.map((vm) => launchedLine(vm, color));
    if (batch.plans) lines.push('', ...planLines(batch.plans, { color, width: io.columns }));
    return print(io, lines);
  }
  const vm = await launchRetrying(env.api, req, key, io, color, flags.wait === true ? 'started' : undefined);
  if (json) print(io, jsonLines(vm));
  else print(io, [launchedLine(vm, color)]);
  // --wait that ended in failed: the launch happened, but what was asked for did not.
  return vm.state === 'failed' && flags.wait === true ? EXIT.failed : EXIT.ok;
};
