// The one question the CLI asks at a terminal (`reset`'s confirmation). The question goes to
// stderr, so stdout stays what the command prints; Ctrl+C while asking interrupts the command
// as it would anywhere else.

// node:readline is loaded only when a question is asked: every other run is faster without it.

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Aborted by Ctrl+C (SIGINT) from elsewhere: stop asking. */
  signal: AbortSignal;
  /** Ctrl+C typed while asking: a raw-mode terminal delivers it here, not as a signal. */
  onInterrupt(): void;
}

export function terminalPrompt(s: PromptStreams): (question: string) => Promise<string | null> {
  return async (question) => {
    const { createInterface } = await import('node:readline');
    return new Promise((resolve) => {
      if (s.signal.aborted) {
        resolve(null);
        return;
      }
      const rl = createInterface({ input: s.input, output: s.output, terminal: true });
      let done = false;
      const finish = (answer: string | null) => {
        if (done) return;
        done = true;
        s.signal.removeEventListener('abort', onAbort);
        rl.close();
        resolve(answer);
      };
      const onAbort = () => finish(null);
      s.signal.addEventListener('abort', onAbort, { once: true });
      rl.on('SIGINT', () => {
        s.output.write('\n');
        finish(null);
        s.onInterrupt();
      });
      // End of input (Ctrl+D, a closed pipe) is no answer.
      rl.on('close', () => finish(null));
      rl.question(question, (answer) => finish(answer));
    });
  };
}
