/**
 * One cell that changes its workspace in every way a diff must show, for the local and the
 * container launcher alike: the task's setup writes files (the starting state, so not in the
 * diff), the runner edits one, deletes one, adds one and fills node_modules (skipped), and the
 * check adds one more (the diff is taken after the check).
 */
import assert from 'node:assert/strict';

export const DIFF_RUNNER_COMMAND = "sed -i s/two/TWO/ keep.txt && rm gone.txt && echo fresh > new.txt && mkdir -p node_modules/x && echo noise > node_modules/x/i.js";
export const DIFF_TASK = 'prompt: p\nsetup: printf \'one\\ntwo\\nthree\\n\' > keep.txt && echo bye > gone.txt && echo setup > from-setup.txt\ncheck: echo checked > check-made.txt\n';

/** Asserts a workspace.diff of that cell. */
export function assertDiffOfCell(diff: string): void {
  assert.match(diff, /^--- a\/keep\.txt\n\+\+\+ b\/keep\.txt\n@@ -1,3 \+1,3 @@\n one\n-two\n\+TWO\n three\n/m, diff);
  assert.match(diff, /^--- a\/gone\.txt\n\+\+\+ \/dev\/null\n@@ -1,1 \+0,0 @@\n-bye\n/m);
  assert.match(diff, /^--- \/dev\/null\n\+\+\+ b\/new\.txt\n@@ -0,0 \+1,1 @@\n\+fresh\n/m);
  assert.match(diff, /^\+\+\+ b\/check-made\.txt\n/m, 'the check\'s changes are in (the diff is taken after it)');
  assert.doesNotMatch(diff, /from-setup\.txt/, 'setup made the starting state');
  assert.doesNotMatch(diff, /node_modules/);
}
