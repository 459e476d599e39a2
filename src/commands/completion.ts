import { SfsyncError } from '../errors.js';
import type { CommonOptions } from './options.js';

export interface CompletionOptions extends CommonOptions {
  shell: string;
  spec: CompletionSpec;
}

export interface CompletionSpec {
  /** Command names, with subcommands after a space ("mapping init"). */
  commands: Array<{ name: string; flags: string[] }>;
}

/** A completion script for bash, zsh or fish, generated from the command tree so it cannot drift from it. */
export function completionScript(shell: string, spec: CompletionSpec): string {
  const top = [...new Set(spec.commands.map((c) => c.name.split(' ')[0] as string))];
  if (shell === 'bash') {
    const cases = spec.commands.map((c) => `    "${c.name}") opts="${c.flags.join(' ')}" ;;`).join('\n');
    return `# sfsync completion for bash: add to ~/.bashrc:  source <(sfsync completion bash)
_sfsync() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="\${COMP_WORDS[1]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=( $(compgen -W "${top.join(' ')}" -- "$cur") ); return; fi
  if [ "$cmd" = "mapping" ] && [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=( $(compgen -W "init check" -- "$cur") ); return; fi
  [ "$cmd" = "mapping" ] && cmd="mapping \${COMP_WORDS[2]}"
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); else COMPREPLY=( $(compgen -f -- "$cur") ); fi
}
complete -o default -F _sfsync sfsync
`;
  }
  if (shell === 'zsh') {
    return `# sfsync completion for zsh: add to ~/.zshrc:  source <(sfsync completion zsh)
autoload -U +X bashcompinit && bashcompinit
${completionScript('bash', spec).split('\n').slice(1).join('\n')}`;
  }
  if (shell === 'fish') {
    const lines = [
      '# sfsync completion for fish: sfsync completion fish > ~/.config/fish/completions/sfsync.fish',
    ];
    lines.push(`complete -c sfsync -n "__fish_use_subcommand" -a "${top.join(' ')}"`);
    for (const c of spec.commands) {
      const words = c.name.split(' ');
      const cond =
        words.length === 1
          ? `__fish_seen_subcommand_from ${words[0]}`
          : `__fish_seen_subcommand_from ${words[1]}`;
      for (const f of c.flags) lines.push(`complete -c sfsync -n "${cond}" -l ${f.replace(/^--/, '')}`);
    }
    lines.push('complete -c sfsync -n "__fish_seen_subcommand_from mapping" -a "init check"');
    return `${lines.join('\n')}\n`;
  }
  throw new SfsyncError('USAGE', `No completion for the shell "${shell}".`, {
    hint: 'Use bash, zsh or fish.',
  });
}
