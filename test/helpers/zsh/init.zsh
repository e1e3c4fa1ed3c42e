PS1= PS2= RPS1=
unsetopt zle_bracketed_paste 2>/dev/null
autoload -Uz compinit && compinit -u -D
source "$ZC_SCRIPT"
bindkey '^U' kill-whole-line
_zc_mode=list
# What the completion system adds, after its matching: compadd -A fills an array with the matches.
compadd() {
  emulate -L zsh
  if [[ "${(j: :)@[1,(i)(-|--)]}" == *-(O|A|D)* ]]; then builtin compadd "$@"; return; fi
  local -a __hits
  builtin compadd -A __hits "$@"
  (( $#__hits )) && print -rn -- "<<HIT>>${(pj:<<HIT>>:)__hits}"
  builtin compadd "$@"
}
# Tab runs the completion system (_main_complete, as compinit's own widgets do) between markers.
_zc_complete() {
  print -n '<<BEGIN>>'
  _main_complete
  print -n '<<END>>'
  # In list mode nothing is inserted or listed: the next line starts clean.
  [[ $_zc_mode == list ]] && { compstate[insert]=; compstate[list]= }
  return 0
}
zle -C _zc_complete complete-word _zc_complete
bindkey '^I' _zc_complete
_zc_buffer() { print -rn -- "<<BUF>>$BUFFER<<ENDBUF>>" }
zle -N _zc_buffer
bindkey '^Xb' _zc_buffer
print '<<READY>>'
