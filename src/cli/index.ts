// Entry of the `flylight` CLI, bundled to out/main/cli.js and started by bin/flylight.js.

import { main } from './main';

function exit(code: number): void {
  // Let buffered output reach the terminal or pipe before leaving: nothing else must keep
  // the process alive (an idle keep-alive socket, a stopped host's last handle).
  const done = () => process.exit(code);
  if (process.stdout.writableNeedDrain) process.stdout.once('drain', done);
  else done();
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  exit(1);
});
