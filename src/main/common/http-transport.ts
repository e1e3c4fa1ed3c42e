// A Transport over node:http with a keep-alive pool, for the load generator in the CLI and in
// the host: at hundreds of requests a second, reusing sockets and skipping fetch's machinery
// keeps the generator's own CPU small beside the server it measures.

import { Agent, request } from 'node:http';
import type { ApiResponse, Transport } from '../../shared/api';
import { IDEMPOTENCY_HEADER } from '../../shared/validation';

export interface PooledTransport {
  transport: Transport;
  /** Closes the pooled sockets (the run is over). */
  close(): void;
}

export function keepAliveTransport(
  baseUrl: string,
  headers: Record<string, string> = {},
  opts: { maxSockets?: number; timeoutMs?: number } = {},
): PooledTransport {
  const base = new URL(baseUrl);
  if (base.protocol !== 'http:') throw new Error(`the load generator speaks http only, not ${base.protocol}`);
  // As many sockets as the proxy accepts connections (512 by default): fewer would queue launches
  // here and hide the server's own limits; more would only be refused at connect.
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 512 });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const prefix = base.pathname.replace(/\/+$/, '');
  const transport: Transport = (req) =>
    new Promise<ApiResponse>((resolve, reject) => {
      const h: Record<string, string> = { accept: 'application/json', ...headers };
      let payload: string | undefined;
      if (req.body !== undefined) {
        payload = JSON.stringify(req.body);
        h['content-type'] = 'application/json';
        h['content-length'] = String(Buffer.byteLength(payload));
      }
      if (req.idempotencyKey !== undefined) h[IDEMPOTENCY_HEADER] = req.idempotencyKey;
      const r = request(
        {
          agent,
          host: base.hostname,
          port: base.port || 80,
          method: req.method,
          path: prefix + req.path,
          headers: h,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = null;
            try {
              body = text ? JSON.parse(text) : null;
            } catch {
              body = null;
            }
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      r.on('error', reject);
      r.end(payload);
    });
  return { transport, close: () => agent.destroy() };
}
