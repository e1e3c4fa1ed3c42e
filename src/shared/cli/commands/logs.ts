// `logs`: the host's log, asked of the host over its port (GET /v1/logs), so it works against
// any host without knowing where its data directory is. --follow keeps printing new records
// until Ctrl+C, reconnecting by itself; --level hides what is below it.

import { DEFAULT_LOG_LINES, formatLogRecord, type LogLevelName, type LogQuery, type LogRecord } from '../../host-log';
import { type CommandRunner, call, numberFlag, textFlag } from '../context';
import { EXIT } from '../env';
import { oneLine, tokenRefused } from '../failure-wording';
import { sortKeys } from '../json-lines';
import { paint, type Style } from '../paint';
import { UsageError } from '../usage-error';

const LEVEL_STYLE: Record<string, Style> = { debug: 'gray', warn: 'yellow', error: 'red' };

function line(rec: LogRecord, json: boolean, color: boolean): string {
  if (json) return JSON.stringify(sortKeys(rec));
  return paint(formatLogRecord(rec), LEVEL_STYLE[rec.level] ?? null, color);
}

export const logs: CommandRunner = async (ctx) => {
  const { env, io, color, json, flags } = ctx;
  // The parser has checked --level against the levels and --lines against its range.
  const q: LogQuery = {
    lines: numberFlag(flags, 'lines') ?? DEFAULT_LOG_LINES,
    level: (textFlag(flags, 'level') ?? 'debug') as LogLevelName,
  };
  if (!flags.follow) {
    const page = await call(ctx, env.api.logs(q));
    for (const rec of page.records) io.out(line(rec, json, color));
    return EXIT.ok;
  }
  const follow = env.followLogs;
  if (!follow)
    throw new UsageError('--follow is not available here: it needs the HTTP API (`flylight logs --follow`)', 'logs');
  // Ask once first, so a dead API or a refused token is an error now, not an endless retry.
  await call(ctx, env.api.logs({ lines: 0, level: q.level }));
  if (io.signal?.aborted) return EXIT.ok;
  // Notes go to stderr, so stdout stays the log (one JSON record per line under --json).
  const note = (text: string) => io.err(paint(text, 'gray', color && !json));
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
    const sub = follow(
      q,
      (rec) => {
        if (!done) io.out(line(rec, json, color));
      },
      (state, detail) => {
        if (done) return;
        if (state === 'open') {
          if (!opened) note(`Following the log of ${env.apiUrl} at ${q.level} and above${howToStop}`);
          else if (lost) note('Reconnected.');
          opened = true;
          lost = false;
        } else if (state === 'connecting' && detail) {
          lost = true;
          note(`${opened ? 'Connection lost' : 'Cannot follow the log'}: ${detail}`);
        } else if (state === 'closed' && detail) {
          io.err(
            `error: ${/\banswered 401\b/.test(detail) ? tokenRefused(env) : `the log stream closed: ${oneLine(detail)}`}`,
          );
          finish(EXIT.failed);
        }
      },
    );
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
};
