// The layer rules of DESIGN.md are Biome rules in biome.json (`noRestrictedImports`,
// `noNodejsModules`, `noRestrictedGlobals` per folder). Each case writes one file into a temp copy
// of the project's lint setup and runs the command `npm run lint` runs, so a rule that stops
// matching (a renamed folder, an override that shadows another) fails here instead of silently
// letting a violation through.

import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/host';

const BIOME = join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flylight-layering-'));
  copyFileSync(join(ROOT, 'biome.json'), join(dir, 'biome.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run lint` over a project holding only `file`: its exit code and output. */
function lint(file: string, text: string): Promise<{ code: number; output: string }> {
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.lint as string;
  expect(script).toBe('biome check .');
  rmSync(join(dir, 'src'), { recursive: true, force: true });
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), text);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIOME, 'check', '.', '--colors=off'], { cwd: dir }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

// Imports are used (exported) so that only the layering rules can object to them.
const importing = (spec: string) => `import * as m from '${spec}';\n\nexport { m };\n`;

describe('npm run lint rejects a layering violation', () => {
  it.each([
    ['src/shared/bad.ts', importing('node:fs'), 'noNodejsModules', ''],
    ['src/shared/cli/bad.ts', importing('worker_threads'), 'noNodejsModules', ''],
    [
      'src/shared/bad.ts',
      importing('electron'),
      'noRestrictedImports',
      "only src/main/index.ts and src/preload import 'electron'",
    ],
    ['src/shared/bad.ts', importing('react'), 'noRestrictedImports', 'React belongs to src/renderer'],
    ['src/shared/bad.ts', importing('../main/common/log'), 'noRestrictedImports', 'imports nothing outside src/shared'],
    ['src/shared/cli/bad.ts', importing('../../cli/main'), 'noRestrictedImports', 'imports nothing outside src/shared'],
    [
      'src/shared/bad.ts',
      'export const here = () => document.title;\n',
      'noRestrictedGlobals',
      'does not use document',
    ],
    [
      'src/shared/bad.ts',
      'export const env = () => process.env.HOME;\n',
      'noRestrictedGlobals',
      'does not use process',
    ],
    [
      'src/main/host/bad.ts',
      importing('electron'),
      'noRestrictedImports',
      "only src/main/index.ts and src/preload import 'electron'",
    ],
    [
      'src/main/store/bad.ts',
      importing('electron'),
      'noRestrictedImports',
      "only src/main/index.ts and src/preload import 'electron'",
    ],
    [
      'src/main/store/bad.ts',
      importing('../orchestrator/flyd'),
      'noRestrictedImports',
      'workers never import each other',
    ],
    ['src/main/store/deep/bad.ts', importing('../../proxy'), 'noRestrictedImports', 'workers never import each other'],
    [
      'src/main/orchestrator/bad.ts',
      importing('../store/fleet'),
      'noRestrictedImports',
      'workers never import each other',
    ],
    [
      'src/main/store/bad.ts',
      importing('../host/log-sink'),
      'noRestrictedImports',
      "does not reach into the host's folder",
    ],
    [
      'src/main/orchestrator/bad.ts',
      importing('../host/host'),
      'noRestrictedImports',
      "does not reach into the host's folder",
    ],
    ['src/main/proxy/bad.ts', importing('../host'), 'noRestrictedImports', "does not reach into the host's folder"],
    [
      'src/main/proxy/bad.ts',
      importing('../orchestrator/infrastructure'),
      'noRestrictedImports',
      'workers never import each other',
    ],
    [
      'src/main/host/bad.ts',
      importing('../../renderer/src/hooks'),
      'noRestrictedImports',
      'does not import the renderer',
    ],
    ['src/renderer/src/bad.ts', importing('node:path'), 'noNodejsModules', ''],
    ['src/renderer/src/bad.ts', importing('electron'), 'noRestrictedImports', "import 'electron'"],
    ['src/renderer/src/state/bad.ts', importing('../../../main/common/log'), 'noRestrictedImports', 'browser-only'],
    [
      'src/renderer/src/bad.ts',
      'export const cwd = () => process.cwd();\n',
      'noRestrictedGlobals',
      'does not use process',
    ],
    [
      'src/cli/bad.ts',
      importing('../renderer/src/format'),
      'noRestrictedImports',
      'src/cli does not import the renderer',
    ],
    ['src/preload/bad.ts', importing('../main/common/log'), 'noRestrictedImports', 'does not import src/main'],
  ])('%s: %s', async (file, text, rule, message) => {
    const { code, output } = await lint(file, text);
    expect(code, output).not.toBe(0);
    expect(output).toContain(`${file}:`);
    expect(output).toContain(`lint/${rule === 'noNodejsModules' ? 'correctness' : 'style'}/${rule}`);
    expect(output).toContain(message);
  });

  it('accepts the imports the layers allow', async () => {
    const allowed: [string, string][] = [
      ['src/shared/cli/ok.ts', importing('../errors')],
      [
        'src/main/store/ok.ts',
        "import { join } from 'node:path';\nimport * as m from '../../shared/types';\n\nexport { join, m };\n",
      ],
      ['src/main/index.ts', importing('electron')],
      ['src/preload/index.ts', importing('electron')],
      ['src/renderer/src/ok.ts', importing('../../shared/cli/format')],
      ['src/cli/ok.ts', importing('../main/host/host')],
      ['src/main/proxy/ok.ts', importing('../common/log')],
    ];
    for (const [file, text] of allowed) {
      const { code, output } = await lint(file, text);
      expect(code, `${file}\n${output}`).toBe(0);
    }
  });
});
