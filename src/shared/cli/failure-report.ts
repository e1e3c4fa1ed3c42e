// How a failed command line is reported: its exit code by one rule, its message in the user's
// words (the flag as typed, not the API field it became), on stderr as one line or, under
// --json, as one JSON object `{"error": {"code", "message", "exit_code"[, "flag"][, "details"]}}`.
//
// The rule (README "Exit codes"): 2 when the line itself is wrong — rewriting it is the fix and
// re-running it unchanged can only fail again the same way. That covers what only the host can
// check about the words typed: an unknown region code, an Idempotency-Key already used for
// another launch. 1 when the line is fine but the platform refused or could not do it now (no
// capacity, a region down, a VM in the wrong state or gone, a refused token, no host): another
// moment, or another command first, may make the same line work. 130 when interrupted.

import { isUnreachable } from '../api';
import type { ApiError, ErrorCode } from '../errors';
import type { CommandEnv, CommandIO } from './env';
import { EXIT } from './env';
import { nothingListening, oneLine, tokenRefused } from './failure-wording';
import { Interrupted } from './interrupt';
import { stripAnsi } from './paint';
import type { CommandFailure, LocalInputError, UsageError } from './usage-error';

/** API refusals that mean the line is wrong (exit 2): the same words would be refused again. */
export const USAGE_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'bad_request',
  'unknown_field',
  'unknown_region',
  'idempotency_key_reused',
]);

/**
 * API field names (JSON bodies, the seed's query, `details.field`) → the flags that set them,
 * in the order they are looked for among the flags the user gave.
 */
const FIELD_FLAGS: Readonly<Record<string, readonly string[]>> = {
  region: ['vm-region'],
  vm_region: ['vm-region'],
  memory_gb: ['vm-memory'],
  vm_memory: ['vm-memory'],
  cores: ['vm-cores', 'vm-cpus'],
  vm_cores: ['vm-cores', 'vm-cpus'],
  num_candidates: ['num-candidates'],
  strategy: ['strategy'],
  count: ['count'],
  explain: ['explain'],
  state: ['state'],
  timeout: ['timeout'],
  rate: ['rate'],
  duration: ['duration'],
  repair: ['repair'],
  seed: ['seed'],
  'idempotency-key': ['idempotency-key'],
};

export interface Failure {
  exit: number;
  code: string;
  message: string;
  /** The flag at fault as the user typed it. */
  flag?: string;
  details?: Record<string, unknown>;
}

/**
 * An API error (or a local check's) that names a field, reworded for the flag the user typed:
 * `memory_gb must be …` → `--vm-memory must be …`, `unknown region 'X' (…)` → `--region: unknown
 * region 'X' (…)`. Null when the field is not one a flag of this line set.
 */
export function inFlagWords(
  message: string,
  code: string,
  details: Record<string, unknown> | undefined,
  written: Readonly<Record<string, string>>,
): { message: string; flag: string } | null {
  const field = typeof details?.field === 'string' ? details.field : code === 'unknown_region' ? 'region' : null;
  if (field === null) return null;
  const name = (FIELD_FLAGS[field] ?? []).find((f) => written[f] !== undefined);
  if (name === undefined) return null;
  const flag = written[name];
  // Messages name the field (`memory_gb must be …`) or, from shared parsers, the flag's own name.
  const prefix = [`${field} `, `--${name} `].find((p) => message.startsWith(p));
  return { message: prefix ? `${flag} ${message.slice(prefix.length)}` : `${flag}: ${message}`, flag };
}

/**
 * By name, not instanceof: `serve` and `gen-fleet` run from the app's bundle (out/main), whose
 * copies of these classes are not the one-file CLI's (scripts/build-cli.js).
 */
function named<T>(err: unknown, name: string): err is T {
  return err instanceof Error && err.name === name;
}

/** What went wrong, by the rule above; null for an interrupted command (it says nothing more). */
export function describeFailure(
  err: unknown,
  env: Pick<CommandEnv, 'apiUrl' | 'auth'>,
  written: Readonly<Record<string, string>> = {},
): Failure | null {
  if (err instanceof Interrupted) return null;
  if (named<UsageError>(err, 'UsageError')) {
    const f: Failure = { exit: EXIT.usage, code: 'usage', message: oneLine(err.message) };
    if (err.flag !== undefined) f.flag = err.flag;
    return f;
  }
  if (named<LocalInputError>(err, 'LocalInputError') || named<ApiError>(err, 'ApiError')) {
    const usage = err.name === 'LocalInputError' || USAGE_CODES.has(err.code);
    let message = err.message;
    if (isUnreachable(err)) message = nothingListening(env);
    // The proxy's own 401 text is for any client; the CLI knows where its token came from.
    if (err.code === 'unauthorized') message = tokenRefused(env);
    const f: Failure = { exit: usage ? EXIT.usage : EXIT.failed, code: err.code, message };
    const words = inFlagWords(message, err.code, err.details, written);
    if (words) Object.assign(f, words);
    f.message = oneLine(f.message);
    if (err.details !== undefined) f.details = err.details;
    return f;
  }
  if (named<CommandFailure>(err, 'CommandFailure'))
    return { exit: EXIT.failed, code: err.code, message: oneLine(err.message) };
  return { exit: EXIT.failed, code: 'internal', message: oneLine(err instanceof Error ? err.message : String(err)) };
}

/** Prints the failure on stderr (one line, or one JSON object) and returns its exit code. */
export function reportFailure(f: Failure | null, io: CommandIO, json: boolean): number {
  if (f === null) return EXIT.interrupted;
  if (json) {
    const error: Record<string, unknown> = { code: f.code, message: stripAnsi(f.message), exit_code: f.exit };
    if (f.flag !== undefined) error.flag = f.flag;
    if (f.details !== undefined) error.details = f.details;
    io.err(JSON.stringify({ error }));
  } else {
    io.err(`error: ${f.message}`);
  }
  return f.exit;
}

/** Whether a line asks for JSON, read from the words alone (for lines that did not parse). */
export function asksForJson(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--json' || a === '-j') return true;
  }
  return false;
}
