// scripts/, bench/ and bin/ are plain JavaScript; tsconfig.js.json type-checks them (checkJs,
// JSDoc types) as part of `npm run typecheck`. `npm start` once crashed on a function
// scripts/start.js never imported: this writes that mistake into a temp copy of the setup and
// asserts the checker names it, so the JS check cannot silently stop covering those folders.

import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/host';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flylight-checkjs-'));
  for (const f of ['tsconfig.base.json', 'tsconfig.js.json']) copyFileSync(join(ROOT, f), join(dir, f));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tsc -p tsconfig.js.json` over a project holding only `files`. */
function typecheck(files: Record<string, string>): Promise<{ code: number; output: string }> {
  for (const top of ['scripts', 'bench', 'bin']) rmSync(join(dir, top), { recursive: true, force: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const args = [TSC, '-p', 'tsconfig.js.json', '--noEmit', '--pretty', 'false'];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: dir }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('npm run typecheck covers the plain JavaScript', () => {
  it('is part of the typecheck script', () => {
    const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.typecheck as string;
    expect(script).toContain('tsc -p tsconfig.js.json --noEmit');
  });

  it('fails on a mistake in each folder, naming the file and the error', async () => {
    const { code, output } = await typecheck({
      // The mistake that crashed `npm start`: a function used but never imported.
      'scripts/start.js':
        "import { existsSync } from 'node:fs';\n\nexport const ok = existsSync('x') && readFileSync('x');\n",
      'bench/lib/x.js': 'export const n = Math.maxx(1, 2);\n',
      'bin/flylight.js': '/** @param {string} s */\nconst shout = (s) => s.toUpperCase();\nshout(42);\n',
    });
    expect(code, output).not.toBe(0);
    expect(output).toContain("scripts/start.js(3,38): error TS2304: Cannot find name 'readFileSync'");
    expect(output).toContain("bench/lib/x.js(1,23): error TS2551: Property 'maxx' does not exist");
    expect(output).toContain('bin/flylight.js(3,7): error TS2345');
  });

  it('passes correct code', async () => {
    const { code, output } = await typecheck({
      'scripts/ok.js':
        "import { readFileSync } from 'node:fs';\n\nexport const read = () => readFileSync('x', 'utf8');\n",
    });
    expect(code, output).toBe(0);
  });
});
