// `watch`: prints machine changes as the event stream delivers them until Ctrl+C, and says
// when the connection drops and comes back. A stream refused for good ends it (exit 1).

import type { StoreEvent } from '../../types';
import { checkRegion } from '../../validation';
import { type CommandRunner, call, textFlag } from '../context';
import { EXIT } from '../env';
import { oneLine, tokenRefused } from '../failure-wording';
import { eventLine } from '../format';
import { sortKeys } from '../json-lines';
import { paint } from '../paint';

export const watch: CommandRunner = async (ctx) => {
  const { env, io, color, json, flags } = ctx;
  const asked = textFlag(flags, 'vm-region');
  // Ask once first: a dead API, a refused token or an unknown region is an error now, not an
  // endless retry loop. (The region list needs the token; /healthz would not tell.)
  let region: string | null = null;
  const regions = await call(ctx, env.api.regions());
  if (asked !== undefined) {
    region = checkRegion(
      asked,
      regions.map((r) => r.code),
      'vm_region',
    );
  }
  if (io.signal?.aborted) return EXIT.ok;

  // Progress notes go to stderr under --json so stdout stays one JSON event per line.
  const note = (text: string) => (json ? io.err(text) : io.out(paint(text, 'gray', color)));
  // The console pane's own hint line already says what Ctrl+C does.
  const howToStop = env.where === 'cli' ? ' (Ctrl+C to stop)' : '';
  return new Promise<number>((resolve) => {
    let opened = false;
    let lost = false;
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      io.signal?.removeEventListener('abort', stop);
      sub.close();
      resolve(code);
    };
    const stop = () => finish(EXIT.ok);
    const onEvent = (e: StoreEvent) => {
      if (done) return;
      const where = e.type === 'machine' ? e.machine.region : e.type === 'vm' ? e.vm.region : null;
      if (region && where !== null && where.toUpperCase() !== region.toUpperCase()) return;
      io.out(json ? JSON.stringify(sortKeys(e)) : eventLine(e, color));
    };
    const sub = env.subscribe(onEvent, (state, detail) => {
      if (done) return;
      if (state === 'open') {
        if (!opened) note(`Watching ${region ?? 'every region'} at ${env.apiUrl}${howToStop}`);
        else if (lost) note('Reconnected.');
        opened = true;
        lost = false;
      } else if (state === 'connecting' && detail) {
        lost = true;
        note(`${opened ? 'Connection lost' : 'Cannot open the event stream'}: ${detail}`);
      } else if (state === 'closed' && detail) {
        io.err(
          `error: ${/\banswered 401\b/.test(detail) ? tokenRefused(env) : `the event stream closed: ${oneLine(detail)}`}`,
        );
        finish(EXIT.failed);
      }
    });
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
};
