// A command line written wrong: reported in one line with exit code 2, before anything is sent.

import type { CommandName } from './command-specs';

/** A mistake in how the command was written: exit code 2. */
export class UsageError extends Error {
  /** The command whose help would explain, when known. */
  readonly command: CommandName | null;
  constructor(message: string, command: CommandName | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** A local check (the seed's launch validation, an Idempotency-Key) refused the line: exit 2. */
export class LocalInputError extends Error {}
