/** A stand-in for requestAnimationFrame: callbacks run when the test calls frame(). */
export function manualFrames() {
  let queue: (() => void)[] = [];
  return {
    schedule(cb: () => void) {
      queue.push(cb);
      return () => {
        queue = queue.filter((f) => f !== cb);
      };
    },
    frame() {
      const q = queue;
      queue = [];
      for (const f of q) f();
    },
    get pending() {
      return queue.length;
    },
  };
}
