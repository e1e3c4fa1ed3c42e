// The CLI's side of `flylight load`: the generator runs in this process and drives the port
// over a keep-alive pool (after the host has proven it holds the token, as for every call),
// and its live line is redrawn in place on a terminal.

import { keepAliveTransport } from '../main/common/http-transport';
import { transportDriver } from '../shared/load/driver';
import { type LoadRunner, localRunner } from '../shared/load/runners';

export function cliLoadRunner(apiUrl: string, headers: Record<string, string>, prove: () => Promise<void>): LoadRunner {
  return localRunner(async () => {
    await prove();
    const pool = keepAliveTransport(apiUrl, headers);
    return { driver: transportDriver(pool.transport), close: pool.close };
  });
}

/**
 * out/err/status for a terminal: status() rewrites one line in place (autowrap off while it is
 * drawn, so a narrow window clips it instead of scrolling), and any other output clears it.
 */
export function liveLines(stdout: NodeJS.WriteStream, stderr: NodeJS.WritableStream) {
  let shown = false;
  const clear = () => {
    if (!shown) return;
    stdout.write('\r\x1b[2K');
    shown = false;
  };
  return {
    out: (line: string) => {
      clear();
      stdout.write(`${line}\n`);
    },
    err: (line: string) => {
      clear();
      stderr.write(`${line}\n`);
    },
    status: (line: string) => {
      stdout.write(`\r\x1b[2K\x1b[?7l${line}\x1b[?7h`);
      shown = true;
    },
  };
}
