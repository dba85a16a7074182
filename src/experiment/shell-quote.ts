/**
 * POSIX shell quoting for display (dry-run commands a user can copy). Hand-written: a few
 * lines, and display is all it is used for; nothing here is ever passed to a shell.
 */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export const shellJoin = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');
