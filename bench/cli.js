// `flylight regions` against a running host, as a ratio to `node -e 0` (issue 12: at most 2×),
// hyperfine-style: two warm-ups of each, then the two alternated run by run, median of the
// per-pair ratios. `npm run bench -- cli` runs only this against its own `flylight serve`; the
// serve bench measures the same row against the host it has already started.

import { heading } from './lib/report.js';
import { CLI, startServe, wall } from './lib/serve-proc.js';

/**
 * @param {import('./lib/report.js').Report} report
 * @param {Record<string, string>} env the running host's environment (its token's config directory)
 * @param {number} port @param {number} runs @param {string} command how to run this row alone
 */
export async function measureCli(report, env, port, runs, command) {
  const cliEnv = { ...env, FLYLIGHT_API: `http://127.0.0.1:${port}`, NO_COLOR: '1' };
  for (let i = 0; i < 2; i++) {
    await wall(['-e', '0']);
    await wall([CLI, 'regions'], cliEnv);
  }
  const cli = { node: /** @type {number[]} */ ([]), regions: /** @type {number[]} */ ([]) };
  for (let i = 0; i < runs; i++) {
    cli.node.push(await wall(['-e', '0']));
    cli.regions.push(await wall([CLI, 'regions'], cliEnv));
  }
  report.add({
    bench: 'cli',
    name: '`flylight regions` wall time against a running host (2 warm-ups)',
    unit: 'ms',
    better: 'lower',
    subject: { label: 'flylight regions', runs: cli.regions },
    baseline: { label: 'node -e 0', runs: cli.node },
    target: { on: 'ratio', op: '<=', value: 2 },
    command,
  });
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{runs: number}} o
 */
export async function run(report, o) {
  heading(`flylight regions vs node -e 0: ${o.runs} runs each, alternated, against flylight serve (default fleet)`);
  const host = await startServe({ label: 'flylight serve', args: ['--ephemeral'] });
  try {
    await measureCli(report, host.env, host.port, o.runs, 'npm run bench -- cli');
  } finally {
    await host.stop();
  }
}
