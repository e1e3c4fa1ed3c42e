// The console pane: an xterm.js terminal wired to a ConsoleSession that runs the CLI's own
// commands against this app's API (IPC in Electron, HTTP in the browser — same gate either
// way). The terminal stays mounted while the pane is hidden, so output and state survive.

import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'react';
import { complete } from '../../../shared/cli/complete';
import type { IdSources } from '../../../shared/cli/complete-ids';
import { runCommand } from '../../../shared/cli/run';
import { splitArgs } from '../../../shared/cli/shell-words';
import { registerConsole } from '../console-bridge';
import { formatCount } from '../format';
import { useDash, useDashEverySecond, useRuntime, useUi } from '../hooks';
import type { Runtime } from '../runtime';
import type { DashboardState } from '../state/dashboard';
import { type Theme, useTheme } from '../theme';
import { CONSOLE_MIN_HEIGHT, consoleHeightFor, uiStore } from '../ui-prefs';
import { useViewport } from '../viewport';
import { ConsoleSession, type HistoryStorage } from './session';

const HISTORY_KEY = 'flylight.console.history';

const localHistory: HistoryStorage = {
  load() {
    const raw = localStorage.getItem(HISTORY_KEY);
    const v: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  },
  save(entries) {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(entries));
  },
};

const DARK = {
  background: '#0a0e16',
  foreground: '#d6dde8',
  cursor: '#a78bfa',
  cursorAccent: '#0a0e16',
  selectionBackground: '#a78bfa55',
  black: '#1c2433',
  red: '#f87171',
  green: '#34d399',
  yellow: '#fbbf24',
  blue: '#60a5fa',
  magenta: '#c084fc',
  cyan: '#22d3ee',
  white: '#d6dde8',
  brightBlack: '#5b6679',
  brightRed: '#fca5a5',
  brightGreen: '#6ee7b7',
  brightYellow: '#fcd34d',
  brightBlue: '#93c5fd',
  brightMagenta: '#d8b4fe',
  brightCyan: '#67e8f9',
  brightWhite: '#f1f5f9',
};

/** The same meanings on a light page: darker hues, so text keeps its contrast on white. */
const LIGHT = {
  background: '#fbfcfe',
  foreground: '#1b2330',
  cursor: '#7c3aed',
  cursorAccent: '#fbfcfe',
  selectionBackground: '#7c3aed33',
  black: '#1b2330',
  red: '#dc2626',
  green: '#047857',
  yellow: '#a16207',
  blue: '#1d4ed8',
  magenta: '#9333ea',
  cyan: '#0e7490',
  white: '#566173',
  brightBlack: '#8590a2',
  brightRed: '#b91c1c',
  brightGreen: '#065f46',
  brightYellow: '#854d0e',
  brightBlue: '#1e40af',
  brightMagenta: '#7e22ce',
  brightCyan: '#155e75',
  brightWhite: '#0f172a',
};

const TERM_THEME: Record<Theme, typeof DARK> = { dark: DARK, light: LIGHT };

/** Ids Tab offers: the selected region's machines, and every machine and VM the dashboard has seen. */
function consoleIds(rt: Runtime): IdSources {
  return {
    machines: () => [...rt.dashboard.store.getState().machines.ids, ...Object.keys(rt.vms.store.getState().byMachine)],
    vms: () => rt.vms.ids(),
  };
}

function createSession(rt: Runtime, term: Terminal): ConsoleSession {
  const { client, dashboard } = rt;
  return new ConsoleSession({
    out: term,
    columns: () => term.cols,
    run: (argv, io) =>
      runCommand(
        argv,
        {
          api: client.api,
          subscribe: client.subscribe,
          apiUrl: dashboard.store.getState().status?.api ?? client.apiUrl,
          where: 'console',
        },
        io,
      ),
    split: splitArgs,
    complete: (line, cursor) =>
      complete(line, cursor, dashboard.store.getState().regionCodes, { where: 'console', ids: consoleIds(rt) }),
    history: localHistory,
    onExit: () => uiStore.setState({ consoleOpen: false }),
  });
}

function useTerminal(host: React.RefObject<HTMLDivElement | null>, open: boolean, theme: Theme) {
  const rt = useRuntime();
  const themeRef = useRef(theme);
  themeRef.current = theme;
  const termRef = useRef<{ term: Terminal; fit: FitAddon; session: ConsoleSession } | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = new Terminal({
      theme: TERM_THEME[themeRef.current],
      fontFamily: '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      lineHeight: 1.2,
      cursorBlink: true,
      cursorStyle: 'bar',
      scrollback: 5000,
      allowProposedApi: false,
      // Keep the terminal from treating Alt as Meta-prefix noise on macOS.
      macOptionIsMeta: true,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    const session = createSession(rt, term);
    termRef.current = { term, fit, session };
    registerConsole({
      prefill: (line) => session.prefill(line),
      submitLine: (line) => session.submitLine(line),
      focus: () => term.focus(),
    });
    const sub = term.onData((d) => session.input(d));
    // Expose the session for e2e and for "run in console" actions, but nothing else.
    el.dataset.ready = 'true';

    let cols = 0;
    const refit = () => {
      if (!el.offsetParent) return; // hidden: nothing to measure
      try {
        fit.fit();
      } catch {
        return;
      }
      if (term.cols !== cols) {
        cols = term.cols;
        session.resize();
      }
    };
    const ro = new ResizeObserver(() => refit());
    ro.observe(el);
    refit();
    cols = term.cols;
    session.start([
      "\x1b[1mFlylight console\x1b[0m — the CLI's commands, run against this app. Type \x1b[1mhelp\x1b[0m to begin; Tab completes.",
    ]);
    return () => {
      registerConsole(null);
      ro.disconnect();
      sub.dispose();
      term.dispose();
      termRef.current = null;
      delete el.dataset.ready;
    };
  }, [host, rt]);

  useEffect(() => {
    const t = termRef.current;
    if (t) t.term.options.theme = TERM_THEME[theme];
  }, [theme]);

  const wasOpen = useRef(open);
  useEffect(() => {
    const t = termRef.current;
    const opened = open && !wasOpen.current;
    wasOpen.current = open;
    if (!t || !open) return;
    // After display:none the size is unknown until the next frame has laid the pane out.
    // Focus follows only an explicit opening: on page load the keyboard belongs to the page.
    const id = requestAnimationFrame(() => {
      try {
        t.fit.fit();
      } catch {
        // not laid out yet
      }
      if (opened) t.term.focus();
    });
    return () => cancelAnimationFrame(id);
  }, [open]);
}

function ResizeHandle() {
  const stored = useUi((s) => s.consoleHeight);
  const { h: vh } = useViewport();
  const height = consoleHeightFor(stored, vh);
  const [dragging, setDragging] = useState(false);
  const start = useRef({ y: 0, h: 0 });
  const clamp = (h: number) => consoleHeightFor(h, window.innerHeight);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a draggable splitter has no native element
    <div
      className={`console-resize${dragging ? ' is-dragging' : ''}`}
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the console"
      aria-valuenow={height}
      aria-valuemin={CONSOLE_MIN_HEIGHT}
      tabIndex={0}
      title="Drag to resize · double-click for the compact size"
      data-testid="console-resize"
      onPointerDown={(e) => {
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        // Start from the height on screen: the stored one may be capped in a smaller window.
        const term = e.currentTarget.parentElement?.querySelector('.console-term');
        start.current = { y: e.clientY, h: term ? term.getBoundingClientRect().height : height };
        setDragging(true);
      }}
      onPointerMove={(e) => {
        if (!dragging) return;
        uiStore.setState({ consoleHeight: clamp(start.current.h + (start.current.y - e.clientY)) });
      }}
      onPointerUp={(e) => {
        e.currentTarget.releasePointerCapture(e.pointerId);
        setDragging(false);
      }}
      onDoubleClick={() => uiStore.setState({ consoleHeight: null })}
      onKeyDown={(e) => {
        if (e.key === 'ArrowUp') uiStore.setState({ consoleHeight: clamp(height + 24) });
        else if (e.key === 'ArrowDown') uiStore.setState({ consoleHeight: clamp(height - 24) });
        else return;
        e.preventDefault();
      }}
    />
  );
}

const eventsApplied = (s: DashboardState) => s.eventsApplied;

function EventMeter() {
  // Once a second, with the cards' "updated … ago" labels: the meter sits at the window's bottom
  // edge and the header at its top, so a change in both in one frame made the compositor redraw
  // the whole window (in software, ~7 ms a frame against ~0.5) on every tick of a stream.
  const applied = useDashEverySecond(eventsApplied);
  const connected = useDash((s) => s.connection.state === 'open');
  return (
    <span className="console-meter" data-testid="console-meter" title="Store change events applied to this page">
      <span className={`pulse${connected ? ' is-live' : ''}`} aria-hidden="true" />
      {formatCount(applied)} {applied === 1 ? 'event' : 'events'}
    </span>
  );
}

export function ConsolePane() {
  const open = useUi((s) => s.consoleOpen);
  const host = useRef<HTMLDivElement>(null);
  useTerminal(host, open, useTheme());
  return (
    <section
      className={`console${open ? ' is-open' : ''}`}
      data-testid="console-pane"
      data-open={open}
      aria-label="Console"
    >
      {open && <ResizeHandle />}
      <div className="console-bar">
        <button
          type="button"
          className="console-title"
          onClick={() => uiStore.setState((s) => ({ consoleOpen: !s.consoleOpen }))}
          aria-expanded={open}
        >
          <span className={`chev${open ? ' is-open' : ''}`} aria-hidden="true">
            ▸
          </span>
          Console
          <kbd>Ctrl+`</kbd>
        </button>
        <div className="console-bar-spacer" />
        <EventMeter />
      </div>
      <div className="console-term" ref={host} data-testid="console-terminal" />
    </section>
  );
}
