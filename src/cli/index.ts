// Entry of the `flylight` CLI: bundled to out/cli/flylight.js (scripts/build-cli.js) and to
// out/main/cli.js (electron-vite), started by bin/flylight.js.

import { main } from './main';

/** How long the exit waits for the terminal to take what is queued for it. */
const EXIT_FLUSH_MS = 2000;

function exit(code: number): void {
  // Let buffered output reach the terminal or pipe before leaving: nothing else must keep
  // the process alive (an idle keep-alive socket, a stopped host's last handle).
  // An empty write's callback runs once everything queued before it is flushed (a pipe to a
  // test harness or `| head` can be asynchronous, and writableNeedDrain only says "full").
  // A terminal that stopped reading (serve's is asynchronous: main/host/terminal-output.ts)
  // would hold the process forever: what it has not taken after EXIT_FLUSH_MS is left.
  setTimeout(() => process.exit(code), EXIT_FLUSH_MS).unref();
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  exit(1);
});
