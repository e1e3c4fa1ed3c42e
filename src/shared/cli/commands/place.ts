// `place`: the dry run (where a launch would go and why, placing nothing), and `platform
// regions`, fly.io's form of `regions`.

import { PLACE_FIELDS, validateLaunchText } from '../../validation';
import { type CommandRunner, call, print, textFlag } from '../context';
import { jsonLines } from '../json-lines';
import { planLines, reportSummary } from '../place-format';
import { locally, UsageError } from '../usage-error';
import { regions } from './listings';

export const place: CommandRunner = async (ctx) => {
  const { env, io, color, json, flags } = ctx;
  const req = locally(() =>
    validateLaunchText(
      {
        region: textFlag(flags, 'vm-region'),
        memory_gb: textFlag(flags, 'vm-memory'),
        cores: textFlag(flags, 'vm-cores'),
        strategy: textFlag(flags, 'strategy'),
        count: textFlag(flags, 'count'),
      },
      undefined,
      PLACE_FIELDS,
    ),
  );
  const report = await call(ctx, env.api.place(req));
  if (json) return print(io, jsonLines(report));
  return print(io, [...planLines(report.plans, { color, width: io.columns }), '', reportSummary(report, color)]);
};

export const platform: CommandRunner = (ctx) => {
  const what = ctx.positionals[0];
  if (what !== 'regions') {
    throw new UsageError(`platform knows one subcommand here: regions (got '${what}')`, 'platform');
  }
  return regions(ctx);
};
