// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are bash and zsh code, whose ${…} is theirs.
// `flylight completion bash|zsh|fish`: shell completion scripts generated from the grammar the
// console pane's Tab completion reads (completion-grammar.ts), so a terminal offers the same
// words: commands, the flags of the command being typed (or every flag before it: flags may come
// first), values after a flag (choices; region codes, asked of the running host with
// `flylight regions`), the fixed words of each argument. A flag already given is not offered.

import { fishScript } from './completion-fish';
import { type ShellCommand, type ShellGrammar, shellGrammar, singleQuoted, type Values } from './completion-grammar';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, grammar: ShellGrammar = shellGrammar()): string {
  if (shell === 'fish') return fishScript(grammar);
  return shell === 'bash' ? bashScript(grammar) : zshScript(grammar);
}

/** `case` arms shared by bash and zsh (the same POSIX `case` syntax in both). */
function caseArms(rows: [string, string][]): string {
  return rows.map(([pattern, body]) => `    ${pattern}) ${body} ;;`).join('\n');
}

/** The shell words for a value slot: a word list, or a marker the function resolves. */
function valueWords(v: Values | null): string {
  if (v === null) return '';
  if (v.kind === 'regions') return '@regions';
  if (v.kind === 'commands') return '@commands';
  return v.words.join(' ');
}

/** The helper functions both bash and zsh scripts define; they print words, one list per call. */
function sharedHelpers(g: ShellGrammar, prefix: string): string {
  const flagRows: [string, string][] = g.flags.map((f) => [
    f.forms.join('|'),
    `echo ${f.name} ${f.takesValue ? 'v' : 'b'}`,
  ]);
  const valueRows: [string, string][] = g.flags
    .filter((f) => f.values !== null)
    .map((f) => [f.name, `echo ${singleQuoted(valueWords(f.values))}`]);
  const flagList = (names: string[]) =>
    names.map((n) => {
      const f = g.flags.find((x) => x.name === n);
      return f ? `${n}:${f.long.join(',')}` : '';
    });
  const commandFlagRows: [string, string][] = g.commands.map((c) => [
    c.name,
    `echo ${singleQuoted(flagList(c.flags).join(' '))}`,
  ]);
  commandFlagRows.push(["''", `echo ${singleQuoted(flagList(g.leadingFlags).join(' '))}`]);
  const positionalRows: [string, string][] = [];
  for (const c of g.commands) positionalRows.push(...positionalArms(c));
  return [
    `${prefix}_commands=${singleQuoted(g.commands.map((c) => c.name).join(' '))}`,
    '',
    '# A flag as typed -> its name and whether it takes a value (v) or not (b).',
    `${prefix}_flag() {`,
    '  case $1 in',
    caseArms(flagRows),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '',
    "# A flag name -> what completes after it (@regions: the host's region codes).",
    `${prefix}_values() {`,
    '  case $1 in',
    caseArms(valueRows),
    '  esac',
    '}',
    '',
    '# A command (empty: none yet) -> its flags, as name:--long,--alias.',
    `${prefix}_flags() {`,
    '  case $1 in',
    caseArms(commandFlagRows),
    '  esac',
    '}',
    '',
    '# A command and an argument position (from 0) -> what completes there.',
    `${prefix}_positional() {`,
    '  case $1:$2 in',
    caseArms(positionalRows),
    '  esac',
    '}',
    '',
    '# Region codes from the running host (nothing when none answers), as `flylight regions` lists them.',
    `${prefix}_regions() {`,
    '  command "$1" regions --no-color 2>/dev/null | awk \'NR > 1 { print $1 }\'',
    '}',
  ].join('\n');
}

function positionalArms(c: ShellCommand): [string, string][] {
  return c.positionals.flatMap((v, i): [string, string][] =>
    v === null ? [] : [[`${c.name}:${i}`, `echo ${singleQuoted(valueWords(v))}`]],
  );
}

/** The scan of the words before the cursor: the same walk as complete.ts's `scan`. */
const SCAN = `  # Walk the words before the cursor as the parser would: the command, how many arguments
  # follow it, the flags given (each offered once), and a flag still waiting for its value.
  local cmd= npos=0 awaiting= used=' ' i w spec
  for ((i = 1; i < cword; i++)); do
    w=\${words[i]}
    if [[ -n $awaiting ]]; then
      [[ $w == '=' ]] && continue
      awaiting=
      continue
    fi
    if [[ $w == -?* ]]; then
      spec=$(%P%_flag "\${w%%=*}") || continue
      used+="\${spec% *} "
      [[ \${spec#* } == v && $w != *=* ]] && awaiting=\${spec% *}
      continue
    fi
    if [[ -z $cmd ]]; then
      [[ " $%P%_commands " == *" $w "* ]] && cmd=$w
    else
      npos=$((npos + 1))
    fi
  done`;

/** From the scan to the candidate words (in $candidates) and the word to match them against. */
function pick(shell: 'bash' | 'zsh'): string {
  // Choices match in any case (as the parser reads them), region codes in upper case.
  const lower = shell === 'bash' ? '${cur,,}' : '${(L)cur}';
  const upper = shell === 'bash' ? '${cur^^}' : '${(U)cur}';
  return `  local candidates= match=as-is eq=
  if [[ -z $awaiting && $cur == --*=* ]]; then
    spec=$(%P%_flag "\${cur%%=*}") && [[ \${spec#* } == v ]] && awaiting=\${spec% *}
    eq=\${cur%%=*}=
    cur=\${cur#*=}
    [[ -z $awaiting ]] && return 0
  fi
  if [[ -n $awaiting ]]; then
    candidates=$(%P%_values "$awaiting")
    match=lower
  elif [[ $cur == -* ]]; then
    local entry
    for entry in $(%P%_flags "$cmd"); do
      [[ $used == *" \${entry%%:*} "* ]] || candidates+=" \${entry#*:}"
    done
    candidates=\${candidates//,/ }
  elif [[ -z $cmd ]]; then
    candidates=$%P%_commands
  else
    candidates=$(%P%_positional "$cmd" "$npos")
    match=lower
  fi
  case $candidates in
    @regions) candidates=$(%P%_regions "\${words[0]}"); match=upper ;;
    @commands) candidates=$%P%_commands; match=as-is ;;
  esac
  case $match in
    lower) cur=${lower} ;;
    upper) cur=${upper} ;;
  esac`;
}

function bashScript(g: ShellGrammar): string {
  const p = '_flylight';
  const body = (text: string) => text.replaceAll('%P%', p);
  return [
    '# bash completion for flylight, generated by `flylight completion bash` from the grammar',
    "# the dashboard console's Tab completion uses. Load it in this shell:",
    '#   source <(flylight completion bash)',
    '# or for every shell: flylight completion bash > ~/.local/share/bash-completion/completions/flylight',
    '',
    sharedHelpers(g, p),
    '',
    `${p}() {`,
    '  local words=("${COMP_WORDS[@]}") cword=$COMP_CWORD',
    '  local cur=${words[cword]}',
    "  # bash splits --flag=value at '=' (COMP_WORDBREAKS): '=' alone means the value is next.",
    "  [[ $cur == '=' ]] && cur=",
    body(SCAN),
    body(pick('bash')),
    "  local IFS=$'\\n'",
    '  COMPREPLY=($(compgen -W "${candidates//[[:space:]]/$\'\\n\'}" -- "$cur"))',
    '  [[ -n $eq ]] && COMPREPLY=("${COMPREPLY[@]/#/$eq}")',
    '  return 0',
    '}',
    '',
    `complete -F ${p} flylight`,
    '',
  ].join('\n');
}

function zshScript(g: ShellGrammar): string {
  const p = '_flylight';
  const body = (text: string) => text.replaceAll('%P%', p);
  return [
    '#compdef flylight',
    '# zsh completion for flylight, generated by `flylight completion zsh` from the grammar the',
    "# dashboard console's Tab completion uses. Load it in this shell:",
    '#   source <(flylight completion zsh)',
    '# or save it as _flylight in a directory of your $fpath.',
    '',
    sharedHelpers(g, p),
    '',
    `${p}() {`,
    '  emulate -L zsh',
    '  setopt ksh_arrays',
    '  # With ksh_arrays, words[0] is the command and CURRENT counts from 1.',
    '  local cword=$((CURRENT - 1))',
    '  local cur=${words[cword]}',
    body(SCAN),
    body(pick('zsh')),
    '  local -a list',
    '  list=(${=candidates})',
    '  [[ -n $eq ]] && compset -P "*="',
    '  # ksh_arrays: $list alone would be its first element only. The list is already matched in',
    '  # the case the value takes (choices lower, regions upper): zsh must accept it in any case.',
    "  compadd -M 'm:{a-zA-Z}={A-Za-z}' -- ${(M)list[@]:#${cur}*}",
    '}',
    '',
    '# Autoloaded from $fpath the file runs on the first Tab: complete now. Sourced: register.',
    `if [[ \${funcstack[1]} == ${p} ]]; then ${p} "$@"; elif (( $+functions[compdef] )); then compdef ${p} flylight; fi`,
    '',
  ].join('\n');
}
