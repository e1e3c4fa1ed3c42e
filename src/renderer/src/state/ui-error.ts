// An error as the page shows it: the API's code and message, or an internal one.

import { ApiError } from '../../../shared/errors';

export interface UiError {
  code: string;
  message: string;
}

export function toUiError(err: unknown): UiError {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}
