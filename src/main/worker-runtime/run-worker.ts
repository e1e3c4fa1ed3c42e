// The runtime every worker thread runs inside (the host spawns the thread; this is its inside):
// reads its config, serves its service on the ports the host hands it, keeps RPC clients to its
// peers, and reports ready / fatal / stopped.

import { type MessagePort, workerData } from 'node:worker_threads';
import type { HostConfig } from '../../shared/config';
import { toErrorBody } from '../../shared/errors';
import { RpcClient, type RpcServer, serveRpc } from '../../shared/rpc';
import { LONG_CALLS_MS, type PeerName, type WorkerName } from '../../shared/services';
import { EVENT_DECODERS } from '../../shared/store-event-wire';
import { fullGc } from '../common/full-gc';
import { flushLogs, setLogOutput } from '../common/log';
import type { HostToWorker, WorkerData, WorkerToHost } from './control';
import { nameThisThread } from './thread-name';

export interface WorkerContext {
  name: WorkerName;
  config: HostConfig;
  /** A client of a peer worker; calls fail with `unavailable` until the host connects it. */
  peer<T>(name: PeerName): RpcClient<T>;
  /**
   * Emits to every client port that was served with `events: true`, or only to those of the
   * clients in `to`: each crossing is a structured clone, paid by both threads.
   */
  broadcast(topic: string, data: unknown, to?: readonly PeerName[]): void;
  /** Asks the host to restart this worker (supervision escalation). */
  escalate(reason: string): void;
}

export interface WorkerModule {
  service: object;
  /** Extra facts for the ready message (e.g. the proxy's bound address). */
  info?: Record<string, unknown>;
  /** Called once on a clean shutdown, before the thread exits. */
  shutdown?(): Promise<void> | void;
  /**
   * Called when the thread is about to die of an uncaught error: finish what a native library is
   * doing for it on libuv's shared pool (the store's asynchronous LMDB clear or import), nothing
   * more. See runWorker.
   */
  release?(): Promise<void>;
}

/** How long a dying thread may take to release its native work before it dies anyway. */
const RELEASE_MS = 2000;

export function runWorker(setup: (ctx: WorkerContext) => Promise<WorkerModule>): void {
  const data = workerData as WorkerData;
  const control = data.control;
  nameThisThread(data.name);
  // Log lines wait for the end of the turn; the host may end this thread on any of these
  // messages, so what was logged before them is written first.
  const send = (m: WorkerToHost) => {
    flushLogs();
    control.postMessage(m);
  };
  // Log lines go to the host on the control port, ahead of any message sent after them.
  setLogOutput((text) => control.postMessage({ t: 'log', text } satisfies WorkerToHost));
  const peers = new Map<PeerName, RpcClient<unknown>>();
  const served: { server: RpcServer; events: boolean; port: MessagePort; client: string }[] = [];
  let mod: WorkerModule | null = null;
  const early: HostToWorker[] = [];

  const ctx: WorkerContext = {
    name: data.name,
    config: data.config,
    peer<T>(name: PeerName) {
      let c = peers.get(name);
      if (!c) {
        c = new RpcClient<unknown>(name, {
          timeoutMs: data.config.rpcTimeoutMs,
          longCalls: LONG_CALLS_MS,
          decode: EVENT_DECODERS,
        });
        peers.set(name, c);
      }
      return c as RpcClient<T>;
    },
    broadcast(topic, payload, to) {
      for (const s of served) {
        if (s.events && (to === undefined || to.includes(s.client as PeerName))) s.server.emit(topic, payload);
      }
    },
    escalate(reason) {
      send({ t: 'escalate', reason });
    },
  };

  let go: () => void = () => {};
  const released = data.held ? new Promise<void>((r) => (go = r)) : Promise.resolve();
  const handle = async (msg: HostToWorker) => {
    switch (msg.t) {
      case 'go':
        go();
        break;
      case 'collect':
        fullGc();
        break;
      case 'peer':
        ctx.peer(msg.peer).attach(msg.port);
        break;
      case 'peer-down':
        ctx.peer(msg.peer).detach(`${msg.peer} worker is restarting`);
        break;
      case 'serve':
        if (!mod) {
          early.push(msg);
          return;
        }
        served.push({
          server: serveRpc(msg.port, mod.service),
          events: msg.events,
          port: msg.port,
          client: msg.client,
        });
        break;
      case 'crash':
        // Outside this handler's promise: an uncaught error, as a real crash is.
        setImmediate(() => {
          throw new Error(`${data.name} worker crashed on the host's request (test hook)`);
        });
        break;
      case 'shutdown':
        try {
          await mod?.shutdown?.();
        } finally {
          // close() posts what lingers (events) before the port goes.
          for (const s of served) {
            s.server.close();
            s.port.close();
          }
          for (const p of peers.values()) p.detach('worker stopped');
          send({ t: 'stopped' });
          control.close();
        }
        break;
    }
  };

  for (const [name, port] of Object.entries(data.peers ?? {})) {
    if (port) ctx.peer(name as PeerName).attach(port);
  }

  // libuv's pool is the process's, not the thread's: a thread torn down while a native library
  // works for it there can take the whole process down. LMDB committed on that pool once, and a
  // store thread that died mid-commit left the commit writing into its freed environment: a
  // segfault of the host instead of a restart (one store crash in a few under load). Commits now
  // run on the store thread itself; a clear or an import still runs on the pool. So an uncaught error
  // first stops this thread taking requests and lets the module release such work (at most
  // RELEASE_MS); then it is thrown again, the thread dies of it as before, the host restarts it.
  let dying = false;
  process.on('uncaughtException', (err) => {
    if (dying) return; // a second error while releasing: the first one ends the thread
    dying = true;
    for (const s of served) s.port.close();
    const released = Promise.resolve()
      .then(() => mod?.release?.())
      .catch(() => {});
    void Promise.race([released, new Promise((r) => setTimeout(r, RELEASE_MS))]).then(() => {
      process.removeAllListeners('uncaughtException');
      setImmediate(() => {
        throw err;
      });
    });
  });

  control.on('message', (msg: HostToWorker) => {
    handle(msg).catch((err) => send({ t: 'fatal', error: toErrorBody(err) }));
  });

  released
    .then(() => setup(ctx))
    .then(
      (m) => {
        mod = m;
        for (const msg of early.splice(0)) void handle(msg);
        send({ t: 'ready', info: m.info ?? {} });
      },
      (err) => send({ t: 'fatal', error: toErrorBody(err) }),
    );
}
