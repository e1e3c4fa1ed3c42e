// `flylight serve`: the headless host in this process until Ctrl+C or SIGTERM. The host prints
// its own address line; this adds the dashboard link (with the token, as Jupyter does), errors
// and the non-loopback warning.

import { defaultConfigDir } from '../main/common/paths';
import type { HeapTuning } from '../main/host/heap-tuning';
import type { RunningHost } from '../main/host/host';
import type { CommandIO, ServeFlags } from '../shared/cli/env';
import { CommandFailure } from '../shared/cli/usage-error';
import type { HostConfig } from '../shared/config';
import { buildServeConfig, dashboardUrl, type Env, isLoopback, withToken } from './serve-config';

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

/** The heap limits of heap-tuning.ts, with a warning for each knob set to something unusable. */
async function tuneServeHeap(env: Env, io: CommandIO): Promise<HeapTuning> {
  const { readHeapKnobs } = await import('../main/host/worker-limits');
  const { knobs, problems } = readHeapKnobs(env);
  for (const p of problems) io.err(`warning: ${p}`);
  return (await import('../main/host/heap-tuning')).tuneHeap(knobs);
}

/** Generous: the host itself promises 2 s; past this something is stuck and we say so. */
const STOP_DEADLINE_MS = 10_000;

export interface ServeDeps {
  env?: Env;
  cwd?: string;
  /** Where the token lives; defaults to the XDG config directory. */
  configDir?: string;
  start?: (config: HostConfig) => Promise<RunningHost>;
}

/**
 * Starts the host and resolves with the exit code once it has stopped: 0 after io.signal
 * aborts (the CLI aborts it on the first SIGINT/SIGTERM), 1 when it fails to start or gives up.
 */
export async function runServe(flags: ServeFlags, io: CommandIO, deps: ServeDeps = {}): Promise<number> {
  const configDir = deps.configDir ?? defaultConfigDir();
  const env = deps.env ?? process.env;
  let config = buildServeConfig(flags, env, { cwd: deps.cwd });
  // --json: stdout is JSON lines only (the host's log as JSON, unless FLYLIGHT_LOG_FORMAT says
  // otherwise, and one line saying where it listens instead of the banner).
  if (flags.json) {
    config = { ...config, banner: false, logFormat: env.FLYLIGHT_LOG_FORMAT ? config.logFormat : 'json' };
  }
  try {
    config = withToken(config, configDir);
  } catch (err) {
    throw new CommandFailure('token_unwritable', `cannot create the API token in ${configDir}: ${messageOf(err)}`);
  }
  if (!isLoopback(config.host)) {
    io.err(`warning: listening on ${config.host}: anyone who can reach this address can use the API with the token`);
  }
  let host: RunningHost;
  try {
    // Loaded only here: the other commands start faster without the host and its workers.
    const start = deps.start ?? (await import('../main/host/host')).startHost;
    // The real host's process only (not a test's stand-in), before its workers exist.
    const tuning = deps.start ? null : await tuneServeHeap(env, io);
    host = await start(config);
    tuning?.started(() => host.collectGarbage());
  } catch (err) {
    throw new CommandFailure('start_failed', messageOf(err));
  }
  // After the host's own "listening" line, and quiet when the host is (tests).
  if (flags.json) {
    const where: Record<string, string> = { api: host.url };
    if (config.token) where.dashboard = dashboardUrl(host.url, config.token);
    io.out(JSON.stringify(where));
  } else if (config.token && config.logFormat !== 'silent') {
    io.out(`Dashboard: ${dashboardUrl(host.url, config.token)}`);
  }

  // Failures end in runCommand's report (one line, or a JSON object under --json).
  return new Promise<number>((resolve, reject) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      const deadline = setTimeout(() => {
        reject(new CommandFailure('stop_failed', `the host did not stop within ${STOP_DEADLINE_MS / 1000} s`));
      }, STOP_DEADLINE_MS);
      deadline.unref?.();
      try {
        await host.stop();
        resolve(0);
      } catch (err) {
        reject(new CommandFailure('stop_failed', `stopping the host failed: ${messageOf(err)}`));
      } finally {
        clearTimeout(deadline);
      }
    };
    void host.finished.then((r) => {
      if (stopping) return;
      stopping = true;
      io.signal?.removeEventListener('abort', onAbort);
      if (r.ok) resolve(0);
      else reject(new CommandFailure('host_stopped', `the host stopped: ${r.reason ?? 'unknown reason'}`));
    });
    const onAbort = () => void stop();
    if (io.signal?.aborted) onAbort();
    else io.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
