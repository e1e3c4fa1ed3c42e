// Raw HTTP for proxy tests: node:http rather than fetch, because fetch normalises paths (`..`,
// `//`, encoded slashes), sets its own Origin/Sec-Fetch rules and will not send a foreign Host header.

import { request } from 'node:http';
import { connect } from 'node:net';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Raw {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent with Content-Length unless `chunked`. */
  body?: string | Buffer;
  /** Send the body in several chunks (Transfer-Encoding: chunked), so a limit is met while bytes stream in. */
  chunked?: boolean;
  /** false: send no Host header at all. */
  setHost?: boolean;
}

export function send(port: number, r: Raw): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
    const headers: Record<string, string> = { ...r.headers };
    if (body && !r.chunked) headers['content-length'] = String(body.length);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: r.method ?? 'GET',
        path: r.path,
        headers,
        agent: false,
        setHost: r.setHost ?? true,
      },
      (res) => {
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          // A stream never ends by itself: its headers are the answer.
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body && r.chunked) {
      for (let i = 0; i < body.length; i += 8192) req.write(body.subarray(i, i + 8192));
    } else if (body) {
      req.write(body);
    }
    req.end();
  });
}

/** The error body of a reply (throws with the body when it is not one). */
export function errorBody(r: Reply): { code: string; message: string; details?: Record<string, unknown> } {
  const parsed = JSON.parse(r.body) as { error?: { code: string; message: string } };
  if (!parsed.error) throw new Error(`not an error body: ${r.body.slice(0, 200)}`);
  return parsed.error;
}

/** Opens an event stream and resolves with the status, headers and the first bytes. */
export function openStream(port: number, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/events', headers, agent: false }, (res) => {
      let text = '';
      const done = () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
        req.destroy();
      };
      res.on('data', (c: Buffer) => {
        text += c.toString();
        if (res.statusCode !== 200 || text.includes('\n\n')) done();
      });
      res.on('end', done);
    });
    req.on('error', (e) =>
      e.message.includes('aborted') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e),
    );
    req.end();
  });
}

/** Bytes straight onto a socket; resolves with everything the server sent before closing. */
export function sendRaw(port: number, bytes: string, endAfterWrite = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (endAfterWrite) socket.end();
    });
    let data = '';
    socket.on('data', (c) => (data += c.toString()));
    socket.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(data) : reject(e)));
    socket.on('close', () => resolve(data));
  });
}

/** No response of the proxy may carry CORS headers. */
export function corsHeaders(r: Reply): string[] {
  return Object.keys(r.headers).filter((h) => h.toLowerCase().startsWith('access-control-'));
}
