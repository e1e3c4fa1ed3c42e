zmodload zsh/zpty || { print -u2 'zsh has no zpty module'; exit 3 }
typeset -F SECONDS
zpty z zsh -f -i
# Reads the pty until $1 appears in what was read, or fails after 20 s.
await() {
  local line deadline=$(( SECONDS + 20 ))
  got=
  while (( SECONDS < deadline )); do
    if zpty -r -t z line; then
      got+=$line
      [[ $got == *"$1"* ]] && return 0
    else
      sleep 0.01
    fi
  done
  print -u2 -r -- "timed out waiting for $1; the terminal showed: ${(q+)got}"
  exit 4
}
zpty -w z 'source "$ZC_INIT"'
await '<<READY>>'
mode=list
for entry in "$@"; do
  want=${entry%%:*} text=${entry#*:}
  if [[ $want != $mode ]]; then
    zpty -w z "_zc_mode=$want"
    mode=$want
  fi
  zpty -w -n z "$text"$'\t'
  await '<<END>>'
  if [[ $mode == list ]]; then
    res=${${got##*<<BEGIN>>}%%<<END>>*}
  else
    zpty -w -n z $'\C-Xb'
    await '<<ENDBUF>>'
    res=${${got##*<<BUF>>}%%<<ENDBUF>>*}
  fi
  print -r -- "<<RESULT>>$res"
  zpty -w -n z $'\C-U'
done
zpty -d z
