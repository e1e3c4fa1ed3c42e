// `flylight serve`: the headless host in this process until Ctrl+C or SIGTERM. The host prints
// its own address line; this adds only errors and the non-loopback warning.

import type { RunningHost } from '../main/host/host';
import type { CommandIO, ServeFlags } from '../shared/cli/run';
import type { HostConfig } from '../shared/config';
import { buildServeConfig, type Env, isLoopback } from './serve-config';

/**
 * One line for stderr. Errors cross from workers as plain {code, message} objects; a bad CSV
 * lists every problem on its own line, which the host's log has already shown in full.
 */
function messageOf(err: unknown): string {
  const m = (err as { message?: unknown } | null)?.message;
  const lines = (typeof m === 'string' ? m : String(err))
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length <= 1) return lines[0] ?? 'unknown error';
  return `${lines[0]} (and ${lines.length - 1} more ${lines.length === 2 ? 'problem' : 'problems'})`;
}

/** Generous: the host itself promises 2 s; past this something is stuck and we say so. */
const STOP_DEADLINE_MS = 10_000;

export interface ServeDeps {
  env?: Env;
  cwd?: string;
  start?: (config: HostConfig) => Promise<RunningHost>;
}

/**
 * Starts the host and resolves with the exit code once it has stopped: 0 after io.signal
 * aborts (the CLI aborts it on the first SIGINT/SIGTERM), 1 when it fails to start or gives up.
 */
export async function runServe(flags: ServeFlags, io: CommandIO, deps: ServeDeps = {}): Promise<number> {
  const config = buildServeConfig(flags, deps.env ?? process.env, { cwd: deps.cwd });
  if (!isLoopback(config.host)) {
    io.err(
      `warning: listening on ${config.host} lets other computers reach Flylight; use 127.0.0.1 unless you mean it`,
    );
  }
  let host: RunningHost;
  try {
    // Loaded only here: the other commands start faster without the host and its workers.
    const start = deps.start ?? (await import('../main/host/host')).startHost;
    host = await start(config);
  } catch (err) {
    io.err(`error: ${messageOf(err)}`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      const deadline = setTimeout(() => {
        io.err(`error: the host did not stop within ${STOP_DEADLINE_MS / 1000} s`);
        resolve(1);
      }, STOP_DEADLINE_MS);
      deadline.unref?.();
      try {
        await host.stop();
        resolve(0);
      } catch (err) {
        io.err(`error: stopping the host failed: ${messageOf(err)}`);
        resolve(1);
      } finally {
        clearTimeout(deadline);
      }
    };
    void host.finished.then((r) => {
      if (stopping) return;
      stopping = true;
      io.signal?.removeEventListener('abort', onAbort);
      if (r.ok) resolve(0);
      else {
        io.err(`error: the host stopped: ${r.reason ?? 'unknown reason'}`);
        resolve(1);
      }
    });
    const onAbort = () => void stop();
    if (io.signal?.aborted) onAbort();
    else io.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
