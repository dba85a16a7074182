/**
 * POSIX shell quoting: dry-run commands a user can copy, and the commands the simulator hands
 * an agent whose only tool is a shell. Hand-written: a few lines, and single quotes are the
 * one quoting that leaves every byte of the argument as it is.
 */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export const shellJoin = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');
