// The one timeout race in the proxy: a request against its deadline, a /metrics scrape against
// each worker's answer. The work itself is not cancelled (a worker call cannot be taken back);
// only the caller stops waiting, and the timer never outlives the race.

/** Settles as `work` does, or as `late()` does (its value, or what it throws) after `ms`. */
export function withDeadline<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}
