// The baseline of the launch benchmark: a bare node:http server — in a worker thread (as the
// proxy is) for the in-process rows, or in its own process (`node bare-server.js`, started with
// an IPC channel) for the headline rows against `flylight serve` — doing the least a launch
// endpoint can do: read the body, parse the JSON, check the three fields, answer 201 with a
// VM-shaped JSON. No gate, no RPC, no placement, no store.

import { createServer } from 'node:http';
import { parentPort } from 'node:worker_threads';

let seq = 0;

const server = createServer((req, res) => {
  // The floor of the per-hop rows: what `GET /healthz` costs with nothing behind it.
  if (req.method === 'GET' && req.url === '/healthz') {
    const text = JSON.stringify({ ok: true, version: 'bare' });
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
    return;
  }
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = null;
    }
    const ok =
      req.method === 'POST' &&
      req.url === '/v1/vms' &&
      body !== null &&
      typeof body.region === 'string' &&
      Number.isInteger(body.memory_gb) &&
      Number.isInteger(body.cores);
    const out = ok
      ? {
          id: `vm-${(++seq).toString(16).padStart(12, '0')}`,
          region: body.region.toUpperCase(),
          machine_id: `${body.region.toLowerCase()}-b000001`,
          memory_gb: body.memory_gb,
          cores: body.cores,
          state: 'running',
          created_at: new Date().toISOString(),
        }
      : { error: { code: 'bad_request', message: 'a launch needs {region, memory_gb, cores}' } };
    const text = JSON.stringify(out);
    res.writeHead(ok ? 201 : 400, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  });
});

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  if (parentPort) parentPort.postMessage({ port });
  else process.send?.({ port });
});

// As a process: stop on SIGTERM or when the parent goes away.
if (!parentPort) {
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

parentPort?.on('message', (m) => {
  if (m !== 'close') return;
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
