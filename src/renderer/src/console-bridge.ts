// How the rest of the dashboard reaches the console pane (the palette's "Launch a VM…",
// "Run status"): the pane registers its session here while it is mounted.

import { uiStore } from './ui-prefs';

interface ConsoleTarget {
  prefill(line: string): void;
  submitLine(line: string): void;
  focus(): void;
}

let target: ConsoleTarget | null = null;

export function registerConsole(t: ConsoleTarget | null): void {
  target = t;
}

/** Opens the console and puts `line` at its prompt; `run` presses Enter too. */
export function sendToConsole(line: string, run: boolean): void {
  uiStore.setState({ consoleOpen: true });
  const t = target;
  if (!t) return;
  if (run) t.submitLine(line);
  else t.prefill(line);
  // After the pane has been laid out (it may just have opened).
  requestAnimationFrame(() => t.focus());
}
