// The ways a command line ends in failure, by whose move it is next (the exit-code rule, README
// "Exit codes"): the line must change (UsageError, LocalInputError: exit 2), or the platform
// said no or could not answer (CommandFailure, and the API's refusals: exit 1).

import { ApiError, type ErrorCode } from '../errors';
import type { CommandName } from './command-specs';

/** A mistake in how the command was written: exit code 2. */
export class UsageError extends Error {
  /** The command whose help would explain, when known. */
  readonly command: CommandName | null;
  /** The flag at fault, as the user wrote it (`--region`), when one is. */
  readonly flag?: string;
  constructor(message: string, command: CommandName | null = null, flag?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
    if (flag !== undefined) this.flag = flag;
  }
}

/**
 * A value the API would refuse, caught before sending (the seed's launch validation, an
 * Idempotency-Key): exit 2, with the API's code and details, so it reads as the API's answer.
 */
export class LocalInputError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(message: string, code: ErrorCode = 'bad_request', details?: Record<string, unknown>) {
    super(message);
    this.name = 'LocalInputError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  /** What a local check threw, as the command line's fault; a UsageError stays one. */
  static from(err: unknown): Error {
    if (err instanceof UsageError) return err;
    if (err instanceof ApiError) return new LocalInputError(err.message, err.code, err.details);
    return new LocalInputError(err instanceof Error ? err.message : String(err));
  }
}

/** The command ran and did not get what was asked, for a reason of its own: exit 1. */
export class CommandFailure extends Error {
  /** Machine-readable, for --json: e.g. `no_token`, `cancelled`, `terminal_only`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CommandFailure';
    this.code = code;
  }
}

/** Runs a local check; what it throws is the command line's fault (exit 2), not the API's. */
export function locally<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw LocalInputError.from(err);
  }
}
