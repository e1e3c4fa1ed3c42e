import { describe, expect, it } from 'vitest';
import { createOpsFlow } from '../../../../src/renderer/src/state/ops-flow';

const confirmation = { title: 'Take sin-1 offline?', consequence: 'x', details: [], confirmLabel: 'Take offline' };
const notice = (title: string) => ({ tone: 'ok' as const, title, lines: [] });

describe('ops flow', () => {
  it('runs an act that needs no question at once and toasts its outcome', async () => {
    const ops = createOpsFlow();
    let ran = 0;
    await ops.perform(
      null,
      async () => ++ran,
      (n) => notice(`ran ${n}`),
    );
    expect(ran).toBe(1);
    expect(ops.store.getState().toasts.map((t) => t.title)).toEqual(['ran 1']);
  });

  it('asks first; cancel runs nothing; confirm runs it once', async () => {
    const ops = createOpsFlow();
    let ran = 0;
    await ops.perform(
      confirmation,
      async () => ++ran,
      () => notice('done'),
    );
    expect(ops.store.getState().pending?.phase).toBe('asking');
    ops.cancel();
    expect(ops.store.getState().pending).toBeNull();
    await ops.confirm();
    expect(ran).toBe(0);

    await ops.perform(
      confirmation,
      async () => ++ran,
      () => notice('done'),
    );
    await Promise.all([ops.confirm(), ops.confirm()]);
    expect(ran).toBe(1);
    expect(ops.store.getState().pending).toBeNull();
    expect(ops.store.getState().toasts.map((t) => t.title)).toEqual(['done']);
  });

  it('keeps the dialog with the error when a confirmed act fails; a direct one fails as a toast', async () => {
    const ops = createOpsFlow();
    await ops.perform(
      confirmation,
      async () => {
        throw new Error('machine sin-1 not found');
      },
      () => notice('never'),
    );
    await ops.confirm();
    expect(ops.store.getState().pending).toMatchObject({ phase: 'asking', error: 'machine sin-1 not found' });
    ops.cancel();
    await ops.perform(
      null,
      async () => {
        throw new Error('unavailable');
      },
      () => notice('never'),
    );
    expect(ops.store.getState().toasts).toMatchObject([{ tone: 'bad', lines: ['unavailable'] }]);
  });

  it('keeps at most four toasts, newest last; dismiss removes one', () => {
    const ops = createOpsFlow();
    for (let i = 1; i <= 6; i++) ops.toast(notice(`t${i}`));
    const toasts = ops.store.getState().toasts;
    expect(toasts.map((t) => t.title)).toEqual(['t3', 't4', 't5', 't6']);
    ops.dismiss(toasts[0].id);
    expect(ops.store.getState().toasts.map((t) => t.title)).toEqual(['t4', 't5', 't6']);
  });
});
