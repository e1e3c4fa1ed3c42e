// Entry of the `flylight` CLI: bundled to out/cli/flylight.js (scripts/build-cli.js) and to
// out/main/cli.js (electron-vite), started by bin/flylight.js.

import { main } from './main';

function exit(code: number): void {
  // Let buffered output reach the terminal or pipe before leaving: nothing else must keep
  // the process alive (an idle keep-alive socket, a stopped host's last handle).
  // An empty write's callback runs once everything queued before it is flushed (a pipe to a
  // test harness or `| head` can be asynchronous, and writableNeedDrain only says "full").
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  exit(1);
});
