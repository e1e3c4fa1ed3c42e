// The one timeout race in the proxy: a request against its deadline, a /metrics scrape against
// each worker's answer. The work itself is not cancelled (a worker call cannot be taken back);
// only the caller stops waiting, and the timer never outlives the race.

/**
 * Settles as `work` does, or as `late()` does (its value, or what it throws) after `ms`. One
 * promise and one timer per call (every request runs through here): no race of two promises.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
