// A `flylight watch`-like client of GET /v1/events that only counts: machine events, bytes,
// when they arrived, and gaps in the event ids (an event the stream skipped).

import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * Opens the stream; resolves once the server has sent its first bytes.
 * @param {number} port @param {Record<string, string>} headers
 * @returns {Promise<{stats: {events: number, bytes: number, firstAt: number, lastAt: number, gaps: number, lastSeq: number}, reset: () => void, close: () => void}>}
 */
export function watchEvents(port, headers) {
  return new Promise((resolve, reject) => {
    const stats = { events: 0, bytes: 0, firstAt: 0, lastAt: 0, gaps: 0, lastSeq: -1 };
    let rest = '';
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/events', headers: { ...headers, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET /v1/events answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let opened = false;
        res.on('data', (chunk) => {
          const now = performance.now();
          stats.bytes += chunk.length;
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) {
            if (line.startsWith('id: ')) {
              const seq = Number(line.slice(4));
              if (stats.lastSeq >= 0 && seq > stats.lastSeq + 1) stats.gaps += seq - stats.lastSeq - 1;
              stats.lastSeq = seq;
            } else if (line === 'event: machine') {
              if (stats.events === 0) stats.firstAt = now;
              stats.events++;
              stats.lastAt = now;
            }
          }
          if (!opened) {
            opened = true;
            resolve({
              stats,
              /** Zeroes the counters (between runs); the id sequence carries on. */
              reset() {
                Object.assign(stats, { events: 0, bytes: 0, firstAt: 0, lastAt: 0, gaps: 0 });
              },
              close() {
                req.destroy();
              },
            });
          }
        });
      },
    );
    req.on('error', (err) => {
      // Destroying the request on close() is not an error worth reporting.
      if (err.message !== 'socket hang up' && /** @type {NodeJS.ErrnoException} */ (err).code !== 'ECONNRESET')
        reject(err);
    });
    req.end();
  });
}
