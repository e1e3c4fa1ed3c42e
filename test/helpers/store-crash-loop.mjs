// A process that starts the built host on a durable data directory, crashes its store worker
// under launches, waits for the restart and stops, `argv[4]` times over: see
// test/integration/crash-recovery.test.ts, which passes the bundle and the host's config (its
// testConfig, as JSON; each round gets a data directory of its own).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [hostBundle, configJson, roundsArg] = process.argv.slice(2);
const { startHost } = await import(pathToFileURL(hostBundle).href);
const config = JSON.parse(configJson);
const headers = { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (let round = 1; round <= Number(roundsArg); round++) {
  const host = await startHost({ ...config, dataDir: mkdtempSync(join(tmpdir(), 'flylight-crash-loop-')) });
  let stop = false;
  const client = async () => {
    while (!stop) {
      try {
        const res = await fetch(`${host.url}/v1/vms`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ region: 'SIN', memory_gb: 1, cores: 1 }),
        });
        await res.arrayBuffer();
      } catch {
        await sleep(20);
      }
    }
  };
  const clients = [client(), client(), client(), client()];
  await sleep(150); // commits in flight when the store dies
  await host.crashWorker('store');
  const began = Date.now();
  while (!host.workers().every((w) => w.state === 'ready')) {
    if (Date.now() - began > 10_000) throw new Error(`round ${round}: the store did not come back within 10 s`);
    await sleep(20);
  }
  stop = true;
  await Promise.all(clients);
  await host.stop();
  console.log(`round ${round}: the store crashed and came back`);
}
