// The one timeout race in the proxy: a request against its deadline, a /metrics scrape against
// each worker's answer. The work itself is not cancelled (a worker call cannot be taken back);
// only the caller stops waiting, and no timer outlives its races by more than their length.
//
// Every request runs through here, so no race has a timer of its own (../../shared/deadline-lanes).

import { DeadlineLanes } from '../../shared/deadline-lanes';

const lanes = new DeadlineLanes();

/**
 * Settles as `work` does, or as `late()` does (its value, or what it throws) after `ms`. One
 * promise per call, and no timer of its own (above).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const race = lanes.add(ms, () => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    });
    work.then(
      (v) => {
        lanes.settled(race);
        resolve(v);
      },
      (err) => {
        lanes.settled(race);
        reject(err);
      },
    );
  });
}
