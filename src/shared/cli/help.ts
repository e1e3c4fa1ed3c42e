// Help text, generated from the command and flag specs so it cannot drift from the parser.
// In the console pane commands are typed without the program name, so examples follow `where`.

import { COMMANDS, type CommandSpec, commandSpec } from './command-specs';
import { FLAGS, type FlagSpec, flagSpec, GLOBAL_FLAGS } from './flag-specs';
import { paint } from './paint';
import { programPrefix, type Where } from './where';

/** Commands whose output is not data: --json changes nothing for them. */
const NO_JSON = new Set(['serve', 'help', 'version', 'token']);

const CLI_ONLY_FLAGS = new Set(['api', 'token']);

function flagLabel(f: FlagSpec): string {
  const long = `--${f.name}${f.value ? ` ${f.value}` : ''}`;
  return f.short ? `-${f.short}, ${long}` : long;
}

function twoColumns(rows: [string, string][], color: boolean): string[] {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${paint(a.padEnd(width), 'bold', color)}  ${b}`);
}

function usageOf(spec: CommandSpec, where: Where): string {
  const parts = [`${programPrefix(where)}${spec.name}`];
  for (const p of spec.positionals) parts.push(p.required ? p.name : `[${p.name}]`);
  for (const name of spec.flags) {
    const f = flagSpec(name) as FlagSpec;
    const text = `--${f.name}${f.value ? ` ${f.value}` : ''}`;
    parts.push(spec.required?.includes(name) ? text : `[${text}]`);
  }
  if (!NO_JSON.has(spec.name)) parts.push('[--json]');
  return parts.join(' ');
}

export function overviewHelp(where: Where, color: boolean): string[] {
  const h = (t: string) => paint(t, 'bold', color);
  const commands = COMMANDS.filter((c) => c.name !== 'version').map((c): [string, string] => [
    c.name,
    c.summary + (c.terminalOnly && where === 'console' ? ' (terminal only)' : ''),
  ]);
  // The console always talks to its own app, which needs no token: --api and --token are refused there.
  const globals = GLOBAL_FLAGS.filter((n) => where === 'cli' || !CLI_ONLY_FLAGS.has(n))
    .map((n) => FLAGS.find((f) => f.name === n) as FlagSpec)
    .map((f): [string, string] => [flagLabel(f), f.help]);
  return [
    `${h('Flylight')} — a laptop-sized simulator of a fly.io-style compute platform`,
    '',
    'Words: a machine is a physical host; a VM is what a user launches (what fly.io calls a Machine).',
    '',
    `${h('Usage:')} ${programPrefix(where)}[FLAGS] COMMAND [ARGS] [FLAGS]   (flags may come before or after the command)`,
    '',
    h('Commands:'),
    ...twoColumns(commands, color),
    '',
    h('Global flags:'),
    ...twoColumns(globals, color),
    '',
    h('Examples:'),
    `  ${programPrefix(where)}regions`,
    `  ${programPrefix(where)}launch --vm-region SIN --vm-memory 8 --vm-cores 4`,
    `  ${programPrefix(where)}--vm-memory 8 --vm-cores 4 --vm-region SIN launch`,
    '',
    where === 'cli'
      ? 'Environment: FLYLIGHT_API (API address), FLYLIGHT_TOKEN (API token), NO_COLOR (no colours).'
      : 'In this console: ↑/↓ history, Tab completes, Ctrl+C interrupts, Ctrl+L or `clear` clears.',
    `Run \`${programPrefix(where)}help COMMAND\` for a command's flags and examples.`,
  ];
}

export function commandHelp(name: string, where: Where, color: boolean): string[] {
  const spec = commandSpec(name);
  if (!spec) return overviewHelp(where, color);
  const h = (t: string) => paint(t, 'bold', color);
  const lines = [
    `${h(`${programPrefix(where)}${spec.name}`)} — ${spec.summary}`,
    '',
    `${h('Usage:')} ${usageOf(spec, where)}`,
  ];
  if (spec.terminalOnly && where === 'console') {
    lines.push('', paint('Only available from a terminal: run it there, not in this console.', 'yellow', color));
  }
  if (spec.positionals.length) {
    lines.push(
      '',
      h('Arguments:'),
      ...twoColumns(
        spec.positionals.map((p) => [p.name, p.help]),
        color,
      ),
    );
  }
  if (spec.flags.length) {
    const rows = spec.flags.map((n): [string, string] => {
      const f = flagSpec(n) as FlagSpec;
      const aliases = f.aliases?.length ? `; alias ${f.aliases.map((a) => `--${a}`).join(', ')}` : '';
      return [flagLabel(f), f.help + aliases];
    });
    lines.push('', h('Flags:'), ...twoColumns(rows, color));
  }
  lines.push(
    '',
    `${h('Global flags:')} ${where === 'cli' ? '--api URL, --token TOKEN, ' : ''}--json, --no-color, -h/--help, -v/--version`,
  );
  if (spec.details?.length) lines.push('', ...spec.details);
  lines.push('', h('Examples:'), ...spec.examples.map((e) => `  ${programPrefix(where)}${e}`));
  return lines;
}
