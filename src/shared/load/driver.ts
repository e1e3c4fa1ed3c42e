// The load generator's requests as API calls: a launch is one POST /v1/vms (never retried, so
// every launch the generator counts is exactly one request the proxy counts), a destroy one
// DELETE /v1/vms/{id}?force=true (a started VM needs force, as `fly machine destroy`; one still
// creating or starting answers 409 invalid_state, and is asked again). Any Transport carries them: Node's keep-alive HTTP in the CLI and the
// host, fetch in tests.

import type { Transport } from '../api';
import type { DestroyAnswer, LaunchAnswer, LoadDriver } from './generator';

const RETRY_DESTROY = new Set([429, 502, 503, 504]);

function codeOf(status: number, body: unknown): string {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : `http_${status}`;
}

export function transportDriver(transport: Transport): LoadDriver {
  return {
    async launch(ask): Promise<LaunchAnswer> {
      try {
        const res = await transport({ method: 'POST', path: '/v1/vms', body: ask });
        // 202: launched, its create stage still under way (a shared fleet's owner cut off): a VM all the same.
        if (res.status === 201 || res.status === 202) {
          const id = (res.body as { id?: unknown } | null)?.id;
          return typeof id === 'string' ? { result: 'ok', vmId: id } : { result: 'error', code: 'bad_answer' };
        }
        const code = codeOf(res.status, res.body);
        return code === 'no_capacity' ? { result: 'no_capacity' } : { result: 'error', code };
      } catch {
        // The request may or may not have reached the proxy: it is not a counted answer.
        return { result: 'error', code: 'unreachable' };
      }
    },
    async destroy(vmId): Promise<DestroyAnswer> {
      try {
        const res = await transport({ method: 'DELETE', path: `/v1/vms/${encodeURIComponent(vmId)}?force=true` });
        if (res.status === 200) return { ok: true };
        const code = codeOf(res.status, res.body);
        // invalid_state: the VM is between states (creating, starting…); it settles in seconds.
        return { ok: false, code, retry: RETRY_DESTROY.has(res.status) || code === 'invalid_state' };
      } catch {
        return { ok: false, code: 'unreachable', retry: true };
      }
    },
  };
}
