// The one-shot timer the page's state modules take, so tests can run time by hand.

/** Calls `cb` after `ms`; the returned function cancels it. */
export type SetTimer = (cb: () => void, ms: number) => () => void;

export const setTimer: SetTimer = (cb, ms) => {
  const t = setTimeout(cb, ms);
  return () => clearTimeout(t);
};
