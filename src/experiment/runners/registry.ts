/**
 * The runner adapters, one line each: `export { runner as <kind> } from './<folder>/index.ts'`.
 * Adding an agent CLI is a folder under runners/ exporting `runner` (a RunnerAdapter) and one
 * line here (CONTRIBUTING.md). Look adapters up through adapters.ts.
 */
export { runner as claude } from './claude/index.ts';
export { runner as opencode } from './opencode/index.ts';
export { runner as command } from './command/index.ts';
