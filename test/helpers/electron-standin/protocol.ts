// What the test and the stand-in Electron (running the built main bundle in a child process)
// say to each other over the child's IPC channel.

/** Where an IPC call comes from: the window's top frame (default) or another frame. */
export interface FrameSpec {
  url?: string;
  top?: boolean;
}

export type Command =
  /** A raw ipcMain invoke, as a frame of the window would send it. */
  | { cmd: 'invoke'; channel: string; args: unknown[]; frame?: FrameSpec }
  /** bridge.request(req) on the page, through the preload the window loaded. */
  | { cmd: 'page-request'; req: unknown }
  /** Emits will-navigate / will-attach-webview on the window's (or a new) WebContents; answers defaultPrevented. */
  | { cmd: 'navigate' | 'attach-webview'; url: string; contents?: 'window' | 'new' }
  /** Asks the window's open handler; answers its result. */
  | { cmd: 'window-open'; url: string }
  /** Asks the session's permission request and check handlers; answers what they granted. */
  | { cmd: 'permission'; permission: string }
  /** A request to the registered app protocol; answers status, headers and body text. */
  | { cmd: 'fetch-app'; url: string; method?: string }
  /** Terminates a host worker thread as a crash would. */
  | { cmd: 'kill-worker'; name: string }
  | { cmd: 'minimize' }
  | { cmd: 'quit' };

export type ToChild = Command & { id: number };

export type Report =
  | { t: 'reply'; id: number; value?: unknown; error?: string }
  | { t: 'record'; kind: string; data?: unknown };
