// One error shape for every boundary: worker RPC, HTTP (`{"error": {...}}`) and Electron IPC.

export type ErrorCode =
  | 'bad_request' // malformed JSON, wrong types, failed validation
  | 'unknown_field'
  | 'unknown_region'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'no_capacity'
  | 'region_down' // the region's status is Down; details.suggestions: nearest regions with room
  | 'invalid_state' // the VM's state does not allow the operation (details: state, allowed)
  | 'idempotency_key_reused' // the key already launched a VM with other parameters
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable' // a worker is down or restarting
  | 'timeout' // a worker did not answer in time
  | 'internal';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Extra machine-readable facts, e.g. the largest free resources on `no_capacity`. */
  details?: Record<string, unknown>;
}

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unknown_field: 400,
  unknown_region: 400,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  no_capacity: 409,
  region_down: 503,
  invalid_state: 409,
  idempotency_key_reused: 422,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return httpStatusOf(this.code);
  }
  toBody(): ErrorBody {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
  static from(body: ErrorBody): ApiError {
    return new ApiError(body.code, body.message, body.details);
  }
}

/** Anything thrown anywhere becomes an ErrorBody; unknown exceptions become `internal`. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof ApiError) return err.toBody();
  if (isErrorBody(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message };
}

export function isErrorBody(v: unknown): v is ErrorBody {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ErrorBody).code === 'string' &&
    typeof (v as ErrorBody).message === 'string'
  );
}
