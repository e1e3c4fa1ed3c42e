// Ctrl+C while a command waits: the wait ends at once (exit 130), whatever it was waiting for.

/** The wait was given up because the IO's signal aborted. */
export class Interrupted extends Error {}

/** Waits for `p`, or throws Interrupted as soon as `signal` aborts. */
export function interruptible<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** A pause that Ctrl+C cuts short. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return interruptible(new Promise<void>((r) => setTimeout(r, ms)), signal);
}
