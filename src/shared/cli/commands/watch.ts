// `watch`: prints machine changes as the event stream delivers them until Ctrl+C, and says
// when the connection drops and comes back. A stream refused for good ends it (exit 1).

import { ApiError } from '../../errors';
import type { StoreEvent } from '../../types';
import { checkRegion } from '../../validation';
import { type CommandRunner, call, textFlag } from '../context';
import { EXIT } from '../env';
import { oneLine } from '../failure-wording';
import { eventLine } from '../format';
import { sortKeys } from '../json-lines';
import { paint } from '../paint';
import { CommandFailure, locally } from '../usage-error';

export const watch: CommandRunner = async (ctx) => {
  const { env, io, color, json, flags } = ctx;
  const asked = textFlag(flags, 'vm-region');
  // Ask once first: a dead API, a refused token or an unknown region is an error now, not an
  // endless retry loop. (The region list needs the token; /healthz would not tell.)
  let region: string | null = null;
  const regions = await call(ctx, env.api.regions());
  if (asked !== undefined) {
    region = locally(() =>
      checkRegion(
        asked,
        regions.map((r) => r.code),
        'vm_region',
      ),
    );
  }
  if (io.signal?.aborted) return EXIT.ok;

  // Progress notes go to stderr under --json so stdout stays one JSON event per line.
  const note = (text: string) => (json ? io.err(text) : io.out(paint(text, 'gray', color)));
  // The console pane's own hint line already says what Ctrl+C does.
  const howToStop = env.where === 'cli' ? ' (Ctrl+C to stop)' : '';
  return new Promise<number>((resolve, reject) => {
    let opened = false;
    let lost = false;
    let done = false;
    const finish = (failure?: Error) => {
      if (done) return;
      done = true;
      io.signal?.removeEventListener('abort', stop);
      sub.close();
      if (failure) reject(failure);
      else resolve(EXIT.ok);
    };
    const stop = () => finish();
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
        // Reported by runCommand: a 401 in the words of where this token came from.
        finish(
          /\banswered 401\b/.test(detail)
            ? new ApiError('unauthorized', detail)
            : new CommandFailure('stream_closed', `the event stream closed: ${oneLine(detail)}`),
        );
      }
    });
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
};
