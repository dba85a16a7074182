/**
 * File actions as shell commands, for agents whose only tool is a shell (Codex CLI offers
 * `exec_command` and no file tools unless it knows the model). The commands keep the
 * semantics of the file tools: `write` writes the exact bytes (printf, not a heredoc that would
 * add a newline), `read` prints the file, and `edit` replaces the first occurrence of the exact
 * old text and fails with an `Error:` line (a failure the script's `on_error` reacts to) when
 * it is not there. `edit` uses perl, which every Debian system has (perl-base is essential).
 */
import { shellQuote } from '../util/shell-quote.ts';
import type { ToolAction } from './tools.ts';

/** The file action as a `bash` action, or the action itself when it already is one. */
export function asShellAction(action: ToolAction): Extract<ToolAction, { action: 'bash' }> {
  const common = {
    ...(action.think_ms !== undefined ? { think_ms: action.think_ms } : {}),
    ...(action.tokens !== undefined ? { tokens: action.tokens } : {}),
    ...(action.on_error ? { on_error: action.on_error } : {}),
    ...(action.error_pattern !== undefined ? { error_pattern: action.error_pattern } : {}),
  };
  switch (action.action) {
    case 'bash':
      return action;
    case 'write': {
      const dir = action.path.includes('/') ? `mkdir -p -- "$(dirname -- ${shellQuote(action.path)})" && ` : '';
      return { action: 'bash', command: `${dir}printf '%s' ${shellQuote(action.content)} > ${shellQuote(action.path)}`, description: `Write ${action.path}`, ...common };
    }
    case 'read':
      return { action: 'bash', command: `cat -- ${shellQuote(action.path)}`, description: `Read ${action.path}`, ...common };
    case 'edit': {
      const script =
        'BEGIN { $old = shift; $new = shift } $done ||= s/\\Q$old\\E/$new/; ' +
        'END { if (!$done) { print STDERR "Error: the old text was not found in $ARGV\\n"; exit 1 } }';
      return {
        action: 'bash',
        command: `perl -0777 -i -pe ${shellQuote(script)} ${shellQuote(action.old)} ${shellQuote(action.new)} ${shellQuote(action.path)}`,
        description: `Edit ${action.path}`,
        ...common,
      };
    }
  }
}
