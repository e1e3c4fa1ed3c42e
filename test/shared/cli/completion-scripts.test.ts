// The shell completion scripts, run for real: bash sources the generated script and calls its
// completion function with COMP_WORDS as readline would set them, and must offer exactly what
// the console pane's Tab completion (complete.ts) offers for the same line. zsh runs its real
// completion system (compinit) in a pseudo-terminal and is sent the line and a Tab
// (helpers/zsh-complete.ts); fish completes from its script with `complete -C`.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/shared/cli/command-specs';
import { complete } from '../../../src/shared/cli/complete';
import { completionScript } from '../../../src/shared/cli/completion-scripts';
import { FLAGS } from '../../../src/shared/cli/flag-specs';
import { regionsTable } from '../../../src/shared/cli/format';
import { REGIONS } from '../../helpers/cli-fixtures';
import { zshComplete } from '../../helpers/zsh-complete';

const CODES = REGIONS.map((r) => r.code);

function has(shell: string): boolean {
  return spawnSync(shell, ['-c', 'exit 0']).status === 0;
}

/**
 * A `flylight` on PATH that prints the regions table as the real CLI does (the integration test
 * runs the real one against a host): the script's region codes come from its first column.
 */
function fakeCliDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flylight-completion-'));
  const table = regionsTable(REGIONS, { color: false }).join('\n');
  writeFileSync(join(dir, 'table.txt'), `${table}\n`);
  const bin = join(dir, 'flylight');
  writeFileSync(bin, `#!/bin/sh\n[ "$1" = regions ] && cat '${join(dir, 'table.txt')}'\n`);
  chmodSync(bin, 0o755);
  return dir;
}

/** The words readline hands a completion function for `line` (COMP_WORDBREAKS splits out '='). */
function compWords(line: string, splitEquals: boolean): string[] {
  const words = line.split(/\s+/).filter((w) => w !== '');
  const out = ['flylight'];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (splitEquals && w.startsWith('--') && eq > 0)
      out.push(w.slice(0, eq), '=', ...(w.slice(eq + 1) ? [w.slice(eq + 1)] : []));
    else out.push(w);
  }
  // A line ending in a space is completing a new, empty word.
  if (line === '' || /\s$/.test(line)) out.push('');
  return out;
}

/** Runs every line through bash's _flylight in one shell; returns the sorted candidates per line. */
function bashComplete(lines: string[][]): string[][] {
  const script = completionScript('bash');
  const dir = fakeCliDir();
  const file = join(dir, 'flylight.bash');
  writeFileSync(file, script);
  const calls = lines
    .map((words) => {
      const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
      return `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _flylight; printf '%s\\n' "\${COMPREPLY[@]}" | sort | tr '\\n' ' '; echo`;
    })
    .join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source '${file}'\n${calls}`], {
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH}` },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout
    .split('\n')
    .slice(0, lines.length)
    .map((l) => l.trim().split(' ').filter(Boolean));
}

/** Lines that walk the whole grammar: each command's flags, each argument, each flag's values. */
function grammarLines(): string[] {
  const lines = [
    '',
    'la',
    's',
    're',
    'zzz',
    '-',
    '--vm-memory 8 --vm-',
    '--vm-memory 8 --vm-cores 4 --vm-region sin la',
  ];
  for (const c of COMMANDS) {
    lines.push(`${c.name} --`, `${c.name} -`);
    const fill: string[] = [];
    c.positionals.forEach((p) => {
      lines.push(`${[c.name, ...fill].join(' ')} `);
      fill.push(p.choices?.[0] ?? (p.regionValue ? 'sin' : 'x'));
    });
  }
  for (const f of FLAGS.filter((x) => x.kind !== 'bool')) {
    for (const form of [f.name, ...(f.aliases ?? [])]) lines.push(`regions --${form} `, `launch --${form}=`);
    if (f.short) lines.push(`vms -${f.short} `);
  }
  lines.push(
    'launch --vm-region SIN --vm-',
    'launch -r sin --vm-memory 8 --',
    'launch --strategy b',
    'launch --strategy=b',
    'launch --region s',
    'launch --region=s',
    'machines s',
    'machines sin ',
    'region status sin d',
    'region status SIN De',
    'help la',
    'chaos kill',
    'completion z',
    'regions --sort=',
    'vm stop vm-1 --',
    'launch --json=',
  );
  return lines;
}

describe('flylight completion bash', () => {
  it('is valid bash', () => {
    const r = spawnSync('bash', ['-n'], { input: completionScript('bash'), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  // Runs bash over every line of the grammar twice: ~5 s on a quiet machine, over 30 at load 18.
  it("offers, for every line, exactly what the console's Tab completion offers", { timeout: 120_000 }, () => {
    const lines = grammarLines();
    for (const splitEquals of [true, false]) {
      const got = bashComplete(lines.map((l) => compWords(l, splitEquals)));
      const want = lines.map((line) => {
        const c = complete(line, line.length, CODES).candidates;
        // Split at '=', bash completes only the value: the word after '='.
        const eq = /(--[^\s=]+=)[^\s]*$/.exec(line);
        return (splitEquals && eq ? c.map((x) => x.slice(eq[1].length)) : c).slice().sort();
      });
      const rows = lines.map((line, i) => ({ line, splitEquals, candidates: got[i] }));
      expect(rows).toEqual(lines.map((line, i) => ({ line, splitEquals, candidates: want[i] })));
    }
    // Not vacuous: the walk reaches commands, flags, choices, regions and command names.
    const sample = bashComplete([compWords('launch --region s', true), compWords('regions --sort ', true)]);
    expect(sample).toEqual([['SIN'], ['code', 'location', 'status']]);
  });
});

describe('flylight completion zsh and fish', () => {
  it('carry every command and every long flag of the grammar', () => {
    for (const shell of ['zsh', 'fish'] as const) {
      const script = completionScript(shell);
      for (const c of COMMANDS) expect(script, `${shell}: ${c.name}`).toMatch(new RegExp(`\\b${c.name}\\b`));
      for (const f of FLAGS)
        expect(script, `${shell}: --${f.name}`).toContain(shell === 'fish' ? `-l ${f.name}` : `--${f.name}`);
    }
  });

  it.skipIf(!has('zsh'))('zsh parses its script', () => {
    const r = spawnSync('zsh', ['-n'], { input: completionScript('zsh'), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!has('zsh'))(
    "zsh's completion system, driven by Tab in a terminal, offers what the console's Tab completion offers",
    () => {
      const lines = grammarLines();
      const got = zshComplete(
        completionScript('zsh'),
        lines.map((l) => ({ list: `flylight ${l}` })),
        fakeCliDir(),
      );
      const want = lines.map((line) => {
        const c = complete(line, line.length, CODES).candidates;
        // After --flag= zsh completes the value alone (compset -P '*='), as bash does.
        const eq = /(--[^\s=]+=)[^\s]*$/.exec(line);
        return (eq ? c.map((x) => x.slice(eq[1].length)) : c).slice().sort();
      });
      expect(lines.map((line, i) => ({ line, candidates: got[i] }))).toEqual(
        lines.map((line, i) => ({ line, candidates: want[i] })),
      );
    },
    120_000,
  );

  it.skipIf(!has('zsh'))('zsh: Tab inserts a unique match into the line, as a person sees it', () => {
    const got = zshComplete(
      completionScript('zsh'),
      [
        { list: 'flylight vm ' },
        { insert: 'flylight la' },
        { insert: 'flylight vm des' },
        { insert: 'flylight launch --vm-reg' },
        { insert: 'flylight launch --region s' },
        { insert: 'flylight launch --strategy=b' },
        { insert: 'flylight region status SIN De' },
      ],
      fakeCliDir(),
    );
    expect(got).toEqual([
      ['destroy', 'list', 'ls', 'restart', 'rm', 'run', 'start', 'status', 'stop', 'suspend', 'wait'],
      'flylight launch ',
      'flylight vm destroy ',
      'flylight launch --vm-region ',
      'flylight launch --region SIN ',
      'flylight launch --strategy=binpack ',
      'flylight region status SIN degraded ',
    ]);
  });

  it.skipIf(!has('fish'))('fish parses its script and completes from it', () => {
    const file = join(fakeCliDir(), 'flylight.fish');
    writeFileSync(file, completionScript('fish'));
    const check = spawnSync('fish', ['--no-execute', file], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    const r = spawnSync('fish', ['-c', `source '${file}'; complete -C 'flylight la'`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^launch\t/m);
  });
});
