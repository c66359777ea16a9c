# bash completion for torchx. Installed as share/bash-completion/completions/torchx.
# Scheduler and component names come from `torchx plugins` and `torchx builtins`, which read
# manifests only (no plugin is loaded), so completing is as fast as those commands.

_torchx_schedulers() {
  torchx plugins 2>/dev/null | sed -n 's/^ *schedulers: //p' | tr ',' '\n' | tr -d ' '
}

# Verbs that plugins add (their manifests' commands; a built-in verb always wins).
_torchx_plugin_verbs() {
  torchx plugins 2>/dev/null | sed -n 's/^ *commands: //p' | tr ',' '\n' | tr -d ' '
}

_torchx_components() {
  torchx builtins 2>/dev/null | sed -n 's/^ *[0-9][0-9]*\. //p'
}

_torchx() {
  local cur prev verb i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  local verbs="run builtins runopts status describe log list cancel delete resources configure plugins tracker help"

  # The verb is the first word that is not a global option (or its value).
  verb=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --log_level|--plugin-path) ((i++)) ;;
      -*) ;;
      *) verb=${COMP_WORDS[i]}; break ;;
    esac
  done

  case $prev in
    -s|--scheduler) COMPREPLY=($(compgen -W "$(_torchx_schedulers)" -- "$cur")); return ;;
    --log_level) COMPREPLY=($(compgen -W "DEBUG INFO WARNING ERROR CRITICAL" -- "$cur")); return ;;
    --plugin-path) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac

  if [[ -z $verb ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--help --version --log_level --plugin-path" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$verbs $(_torchx_plugin_verbs)" -- "$cur"))
    fi
    return
  fi

  case $verb in
    run)
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--scheduler -s --scheduler_args -cfg --dryrun --wait --log --detach --json --parent_run_id --workspace --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(_torchx_components)" -- "$cur") $(compgen -f -X '!*.yaml' -- "$cur"))
      fi ;;
    runopts) COMPREPLY=($(compgen -W "$(_torchx_schedulers) --json --help" -- "$cur")) ;;
    list) COMPREPLY=($(compgen -W "-s --json --help" -- "$cur")) ;;
    configure) COMPREPLY=($(compgen -W "-s --all --print --help" -- "$cur")) ;;
    help) COMPREPLY=($(compgen -W "$verbs" -- "$cur")) ;;
    plugins) COMPREPLY=($(compgen -W "check add-python --json --prefix --dir --help" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -W "--help --json" -- "$cur")) ;;
  esac
}

complete -F _torchx torchx
