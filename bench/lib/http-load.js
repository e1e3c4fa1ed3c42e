// A closed-loop HTTP load generator: C clients on keep-alive connections, each sending its next
// request as soon as the previous answer is read. The same code drives Flylight and the
// baseline, so the ratio between them is the servers' difference, not the clients'.

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { quantile } from './stats.js';

export class LoadClient {
  /**
   * @param {{port: number, concurrency: number, headers?: Record<string, string>}} opts
   */
  constructor({ port, concurrency, headers = {} }) {
    this.port = port;
    this.concurrency = concurrency;
    this.headers = headers;
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  /**
   * One request; resolves with the status and the body text.
   * @param {string} method @param {string} path @param {string | undefined} body
   * @param {Record<string, string>} [extra] headers of this request alone
   * @returns {Promise<{status: number, text: string}>}
   */
  send(method, path, body, extra = undefined, retried = false) {
    return new Promise((resolve, reject) => {
      const headers = extra ? { ...this.headers, ...extra } : { ...this.headers };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const req = request({ agent: this.agent, host: '127.0.0.1', port: this.port, method, path, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', (err) => {
        // A kept-alive socket the server closed for idleness (its keepAliveTimeout, 5 s, passes
        // between a bench's runs) just as it was reused: the request never reached the server.
        // Sent again once on a new connection, as Node's docs advise (http.ClientRequest.reusedSocket).
        const code = /** @type {NodeJS.ErrnoException} */ (err).code;
        if (req.reusedSocket && !retried && (code === 'ECONNRESET' || err.message === 'socket hang up'))
          this.send(method, path, body, extra, true).then(resolve, reject);
        else reject(err);
      });
      req.end(body);
    });
  }

  /**
   * Sends `n` POSTs of `bodyOf(i)` to `path` with `concurrency` in flight; returns requests per
   * second over the whole batch, latency quantiles in ms, and the statuses that were not `want`.
   * @param {string} path @param {number} n @param {(i: number) => string} bodyOf
   */
  async post(path, n, bodyOf, want = 201) {
    return this.closedLoop('POST', path, n, bodyOf, want);
  }

  /**
   * The same closed loop for any method (a GET passes `bodyOf` returning undefined).
   * @param {string} method @param {string} path @param {number} n
   * @param {(i: number) => string | undefined} bodyOf @param {number} want
   * @param {(i: number) => Record<string, string> | undefined} [headersOf] headers of request i alone
   */
  async closedLoop(method, path, n, bodyOf, want, headersOf = undefined) {
    const latencies = new Float64Array(n);
    const unexpected = new Map();
    let next = 0;
    let lastOk = 0;
    const lane = async () => {
      for (let i = next++; i < n; i = next++) {
        const body = bodyOf(i);
        const t = performance.now();
        const res = await this.send(method, path, body, headersOf?.(i));
        const done = performance.now();
        latencies[i] = done - t;
        if (res.status === want) lastOk = done;
        else {
          const key = `${res.status} ${res.text.slice(0, 120)}`;
          unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
        }
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: this.concurrency }, lane));
    const seconds = (performance.now() - start) / 1000;
    const lat = Array.from(latencies);
    return {
      perSecond: n / seconds,
      p50: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
      failed: [...unexpected.values()].reduce((a, b) => a + b, 0),
      unexpected: Object.fromEntries(unexpected),
      lastOk,
    };
  }

  close() {
    this.agent.destroy();
  }
}
