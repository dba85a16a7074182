import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { abortSignalOf, ClientGone, onAbortOf } from '../../src/proxy/client-gone.ts';

describe('ClientGone', () => {
  test('listeners run once at abort, unsubscribed ones never; the reason is kept', () => {
    const gone = new ClientGone();
    const seen: string[] = [];
    gone.onAbort(() => seen.push('a'));
    const off = gone.onAbort(() => seen.push('b'));
    off();
    gone.abort('left');
    gone.abort('again');
    assert.deepEqual(seen, ['a']);
    assert.equal(gone.aborted, true);
    assert.equal(gone.reason, 'left');
  });

  test('a listener added after the abort runs at once', () => {
    const gone = new ClientGone();
    gone.abort('left');
    let ran = 0;
    gone.onAbort(() => ran++);
    assert.equal(ran, 1);
  });

  test('the AbortSignal, made before or after the abort, aborts with the same reason', () => {
    const before = new ClientGone();
    const signal = before.signal;
    assert.equal(signal.aborted, false);
    before.abort('left');
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, 'left');
    const after = new ClientGone();
    after.abort('gone');
    assert.equal(after.signal.aborted, true);
    assert.equal(after.signal.reason, 'gone');
    assert.equal(abortSignalOf(after), after.signal);
  });

  test('onAbortOf listens on an AbortSignal too', () => {
    const ctrl = new AbortController();
    let ran = 0;
    const off = onAbortOf(ctrl.signal, () => ran++);
    ctrl.abort();
    off();
    assert.equal(ran, 1);
    onAbortOf(ctrl.signal, () => ran++);
    assert.equal(ran, 2);
  });
});
