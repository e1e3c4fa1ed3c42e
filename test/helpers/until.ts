// Waiting in tests: poll a condition instead of sleeping a fixed time and hoping. A fixed sleep
// is too short on a loaded machine (flaky) and too long everywhere else (slow); `until` returns
// as soon as the condition holds and fails with the condition's text when it never does.

/**
 * Resolves once `condition` returns true (polled every `everyMs`); rejects after `timeoutMs`
 * naming `what` (default: the condition's source), so a timeout says what never happened.
 * A condition that throws is treated as "not yet" and its last error is reported on timeout.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what: string = condition.toString(),
  everyMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await condition()) return;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : String(last)})`;
      throw new Error(`until: ${what} did not hold within ${timeoutMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits `ms` for something that must NOT happen (a late write, a stray event): only for negative checks. */
export function quietFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
