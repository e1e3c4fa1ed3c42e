// The renderer side of the stand-in: runs the preload the window was given as a sandboxed
// preload runs — a CommonJS script whose `require` knows only electron (renderer modules),
// events, timers and url — and then acts as the page, using only what the preload exposed.

import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import timers from 'node:timers';
import url from 'node:url';
import vm from 'node:vm';

type Listener = (event: unknown, ...args: unknown[]) => void;

export interface Page {
  /** What the preload put on the page's world, by key. */
  exposed: Map<string, unknown>;
  /** Delivers a webContents.send from the main process. */
  deliver(channel: string, args: unknown[]): void;
  ipcRenderer: object;
}

/** The sandboxed preload's require: Electron documents exactly these modules (tutorial/sandbox.md). */
const SANDBOX_MODULES = ['electron', 'events', 'timers', 'url'];

export function runPreload(file: string, invoke: (channel: string, args: unknown[]) => Promise<unknown>): Page {
  const listeners = new Map<string, Set<Listener>>();
  const ipcRenderer = {
    invoke: (channel: string, ...args: unknown[]) => invoke(channel, args),
    on(channel: string, listener: Listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(listener);
      return ipcRenderer;
    },
    removeListener(channel: string, listener: Listener) {
      listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
    send() {
      throw new Error('the stand-in expects the preload to use invoke only');
    },
  };
  const exposed = new Map<string, unknown>();
  const contextBridge = {
    exposeInMainWorld(key: string, api: unknown) {
      if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object`);
      exposed.set(key, api);
    },
  };
  const modules: Record<string, unknown> = {
    electron: { contextBridge, ipcRenderer },
    events: EventEmitter,
    timers,
    url,
  };
  const sandboxRequire = (id: string) => {
    const name = id.replace(/^node:/, '');
    if (SANDBOX_MODULES.includes(name)) return modules[name];
    throw new Error(
      `Error: module not found: ${id} (a sandboxed preload can require only ${SANDBOX_MODULES.join(', ')})`,
    );
  };
  const context = vm.createContext({ console, setTimeout, clearTimeout, queueMicrotask, structuredClone });
  const wrapper = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
    {
      filename: file,
    },
  ).runInContext(context) as (
    e: object,
    r: typeof sandboxRequire,
    m: { exports: object },
    f: string,
    d: string,
  ) => void;
  const module = { exports: {} };
  wrapper(module.exports, sandboxRequire, module, file, dirname(file));
  return {
    exposed,
    ipcRenderer,
    deliver(channel, args) {
      // Structured clone, as IPC does: the page never shares objects with the main process.
      for (const l of listeners.get(channel) ?? []) l({ sender: ipcRenderer }, ...structuredClone(args));
    },
  };
}

/** The shape of what was exposed, for the test: keys, member types, and whether ipcRenderer leaked. */
export function describeExposed(page: Page): {
  keys: string[];
  members: Record<string, string>;
  leaksIpcRenderer: boolean;
} {
  const forbidden = new Set<unknown>([page.ipcRenderer, ...Object.values(page.ipcRenderer)]);
  let leaks = false;
  const members: Record<string, string> = {};
  for (const [key, api] of page.exposed) {
    if (forbidden.has(api)) leaks = true;
    if (typeof api === 'object' && api !== null) {
      for (const name of Object.getOwnPropertyNames(api)) {
        const v = (api as Record<string, unknown>)[name];
        members[`${key}.${name}`] = typeof v;
        if (forbidden.has(v)) leaks = true;
      }
    }
  }
  return { keys: [...page.exposed.keys()], members, leaksIpcRenderer: leaks };
}
