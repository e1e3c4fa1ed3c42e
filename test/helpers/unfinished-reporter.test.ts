// The reporter against Vitest itself: a run in which one file's fork is killed mid-file must
// end by naming that file, and only it.

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { ROOT } from './host';

it('names the file whose worker died, and not the files that finished', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flylight-unfinished-'));
  writeFileSync(
    join(dir, 'dies.test.ts'),
    "import { it } from 'vitest';\nit('dies', () => { process.kill(process.pid, 'SIGKILL'); });\n",
  );
  writeFileSync(
    join(dir, 'lives.test.ts'),
    "import { expect, it } from 'vitest';\nit('lives', () => expect(1).toBe(1));\n",
  );
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const reporter = join(ROOT, 'test', 'helpers', 'unfinished-reporter.ts');
  const run = await promisify(execFile)(process.execPath, [vitest, 'run', '--root', dir, '--reporter', reporter], {
    cwd: dir,
  }).catch((e: { stdout: string; stderr: string; code: number }) => e);
  expect(run.stderr).toContain('1 test file(s) did not finish');
  expect(run.stderr).toContain(join(dir, 'dies.test.ts'));
  expect(run.stderr).not.toContain('lives.test.ts');
  expect((run as { code?: number }).code).toBe(1);
});
