// What a failed start says, for the one line the CLI prints and the desktop's error box.

import type { ErrorBody } from '../../shared/errors';

/** The ErrorBody of a failed start, for the one-line message the CLI prints. */
export function startErrorMessage(err: unknown): string {
  const body = err as Partial<ErrorBody>;
  return typeof body?.message === 'string' ? body.message : String(err);
}
