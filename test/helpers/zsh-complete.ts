// Drives zsh's own completion system for real: an interactive zsh in a pseudo-terminal (zsh's
// zpty module) runs compinit, sources a completion script, and is sent keystrokes — a line and
// Tab — exactly as a person types them. Two ways to read what Tab did:
//  - `list`: the matches zsh's completion system accepted, after its own matching (captured by
//    wrapping compadd with `compadd -A`, the technique of zsh-capture-completion), nothing
//    inserted;
//  - `insert`: the line as zle left it after Tab (a unique match is inserted, with its space).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** zsh/init.zsh runs in the pty's interactive zsh: compinit, the script, markers around each
 * completion; zsh/driver.zsh (zsh -f) starts that shell, types each line, prints each result. */
const HERE = dirname(fileURLToPath(import.meta.url));

export type ZshAsk = { list: string } | { insert: string };

/**
 * Types each line and Tab into one interactive zsh that sourced `script`; `path` goes first on
 * its PATH (where the script finds `flylight`). For `list` the matches (sorted), for `insert`
 * the line after Tab.
 */
export function zshComplete(script: string, asks: ZshAsk[], path: string): (string[] | string)[] {
  const dir = mkdtempSync(join(tmpdir(), 'flylight-zsh-'));
  const files = { script: join(dir, '_flylight'), init: join(HERE, 'zsh', 'init.zsh') };
  writeFileSync(files.script, script);
  const entries = asks.map((a) => ('list' in a ? `list:${a.list}` : `insert:${a.insert}`));
  const r = spawnSync('zsh', ['-f', join(HERE, 'zsh', 'driver.zsh'), ...entries], {
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: `${path}:${process.env.PATH}`,
      HOME: dir,
      ZDOTDIR: dir,
      TERM: 'dumb',
      ZC_SCRIPT: files.script,
      ZC_INIT: files.init,
    },
  });
  if (r.status !== 0) throw new Error(`zsh driver exited ${r.status}: ${r.stderr}`);
  const results = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('<<RESULT>>'))
    .map((l) => l.slice('<<RESULT>>'.length));
  if (results.length !== asks.length) throw new Error(`expected ${asks.length} results, got: ${r.stdout}`);
  return results.map((res, i) =>
    'list' in asks[i]
      ? res
          .split('<<HIT>>')
          .filter((h) => h !== '')
          .sort()
      : res,
  );
}
