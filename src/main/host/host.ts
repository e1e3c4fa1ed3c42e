// The host: starts the three worker threads, wires their MessagePorts, supervises them and
// stops them cleanly. It is the same code under Electron and under `flylight serve`.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { HostConfig } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import { RpcClient, type RpcServer, serveRpc } from '../../shared/rpc';
import {
  type GateRequest,
  type GateResponse,
  HOST_WORKERS,
  type HostService,
  LONG_CALLS_MS,
  type OrchestratorService,
  type PeerName,
  type ProxyService,
  STORE_EVENTS,
  type StoreService,
  type WorkerName,
} from '../../shared/services';
import { EVENT_DECODERS } from '../../shared/store-event-wire';
import type { StoreEvent, WorkerStatus } from '../../shared/types';
import type { Logger } from '../common/log';
import orchestratorWorkerPath from '../orchestrator/worker?modulePath';
import proxyWorkerPath from '../proxy/worker?modulePath';
import storeWorkerPath from '../store/worker?modulePath';
import type { HostToWorker, WorkerData, WorkerToHost } from '../worker-runtime/control';
import { outsideAsar } from './asar';
import { dialable, publishEndpoint } from './endpoint';
import { lockFleet } from './fleet-lock';
import { openHostLog } from './host-log';
import { createHostRecords, pushToProxies } from './host-records';
import { hostLoad } from './load-host';
import { endThread } from './thread-end';
import { WORKER_LIMITS } from './worker-limits';

const WORKER_PATHS: Record<WorkerName, string> = {
  store: storeWorkerPath,
  orchestrator: orchestratorWorkerPath,
  proxy: proxyWorkerPath,
};

/** Who each worker calls. Start order follows it: a worker starts after its peers. */
const PEERS: Record<WorkerName, PeerName[]> = {
  store: [],
  orchestrator: ['store'],
  proxy: ['store', 'orchestrator', 'host'],
};
const START_ORDER: WorkerName[] = ['store', 'orchestrator', 'proxy'];
/** Ports on which the store's change events are wanted (the orchestrator's with a shared fleet). */
const WANTS_EVENTS = new Set<string>(['proxy', 'host']);

/** Restart intensity, as OTP's: more than MAX_RESTARTS within RESTART_WINDOW_MS gives up. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 30_000;
const STOP_DEADLINE_MS = 1500;

export interface RunningHost {
  /** e.g. http://127.0.0.1:3030 — the proxy's bound address. */
  url: string;
  config: HostConfig;
  /** Runs one request through the proxy's gate (Electron IPC uses this). */
  gate(req: GateRequest): Promise<GateResponse>;
  /** Store change events; returns the unsubscribe. */
  onEvent(cb: (e: StoreEvent) => void): () => void;
  /** Worker state changes (restarts), for the desktop window's "recovering" state. */
  onWorkers(cb: (workers: WorkerStatus[]) => void): () => void;
  workers(): WorkerStatus[];
  /** Has each worker run one full GC now (a no-op unless gc is exposed: heap-tuning.ts). */
  collectGarbage(): void;
  /** Test hook: makes a worker thread crash (an uncaught throw inside it). Not reachable from any client. */
  crashWorker(name: WorkerName): Promise<void>;
  /** Flushes FlyD queues, stops workers, closes the port. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the host gives up (a worker crashes too often) or stops. */
  readonly finished: Promise<{ ok: boolean; reason?: string }>;
}

interface Slot {
  name: WorkerName;
  worker: Worker | null;
  control: MessagePort | null;
  status: WorkerStatus;
  /** When it last crashed, for the restart intensity. */
  restartTimes: number[];
}

export async function startHost(initialConfig: HostConfig, hostLog?: Logger): Promise<RunningHost> {
  // Before anything touches the data directory (the log file, the store): one host per fleet.
  const fleetLock = initialConfig.dataDir ? await lockFleet(initialConfig.dataDir) : null;
  // Every thread logs JSON lines; the sink files them and shows them as the user asked.
  const { file: logFile, ring: logRing, sink, terminal, log } = openHostLog(initialConfig, hostLog);
  // Copied so a restarted proxy can rebind the port the OS picked for `--port 0`.
  const config: HostConfig = {
    ...initialConfig,
    // Read by worker threads, which get real files in the packaged app (see ./asar).
    regionsFile: outsideAsar(initialConfig.regionsFile),
    staticDir: initialConfig.staticDir && outsideAsar(initialConfig.staticDir),
    logFormat: initialConfig.logFormat === 'silent' && !logFile ? 'silent' : 'json',
    // One key for this run when none is kept beside the token (see tokenDir), so a restarted
    // proxy worker still accepts the dashboard's sessions.
    sessionKey: initialConfig.sessionKey ?? randomBytes(32).toString('base64url'),
  };
  const started = Date.now();
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let stopping = false;
  /** Until every worker has started once, an exit is a failed start, not a crash to restart. */
  let running = false;
  let finish!: (r: { ok: boolean; reason?: string }) => void;
  const finished = new Promise<{ ok: boolean; reason?: string }>((r) => (finish = r));

  const slots = new Map<WorkerName, Slot>(
    START_ORDER.map((name) => [
      name,
      { name, worker: null, control: null, status: { name, state: 'starting', restarts: 0 }, restartTimes: [] },
    ]),
  );
  // The host's own clients of each worker.
  const calls = { timeoutMs: config.rpcTimeoutMs, longCalls: LONG_CALLS_MS, decode: EVENT_DECODERS };
  const clients = {
    store: new RpcClient<StoreService>('store', calls),
    orchestrator: new RpcClient<OrchestratorService>('orchestrator', calls),
    proxy: new RpcClient<ProxyService>('proxy', { timeoutMs: config.rpcTimeoutMs }),
  };
  clients.store.on(STORE_EVENTS, (e) => bus.emit('event', e));
  /** The proxy's ports to the host: worker states, event-log entries and followed log records go out on them. */
  const hostPorts = new Set<RpcServer>();
  const records = createHostRecords(
    {
      regions: () => clients.store.api.regions(),
      launchCounts: async () => {
        const s = await clients.orchestrator.api.stats();
        return { ok: s.launches_ok, failed: s.launches_failed };
      },
    },
    logRing,
    config.activityBounds,
  );
  bus.on('event', (e: StoreEvent) => records.storeEvent(e));
  const toProxies = pushToProxies(records, logRing, hostPorts);

  const load = hostLoad({
    config,
    url: () => dialable(config.host, config.port),
    regions: async () => (await clients.store.api.regions()).map((r) => r.code),
    log,
  });
  const hostService: HostService = {
    workers: () => workerStatuses(),
    uptimeSeconds: () => Math.round((Date.now() - started) / 1000),
    ...records.service,
    followLogs: (n) => toProxies.follow(n),
    followActivity: (n) => toProxies.followActivity(n),
    loadStart: (spec) => load.start(spec),
    loadStatus: () => load.status(),
    loadStop: () => load.stop(),
  };

  const workerStatuses = (): WorkerStatus[] => START_ORDER.map((n) => ({ ...(slots.get(n) as Slot).status }));
  const setState = (slot: Slot, state: WorkerStatus['state']) => {
    slot.status.state = state;
    const ws = workerStatuses();
    bus.emit('workers', ws);
    for (const p of hostPorts) p.emit(HOST_WORKERS, ws);
  };
  const send = (slot: Slot, msg: HostToWorker, transfer: MessagePort[] = []) =>
    slot.control?.postMessage(msg, transfer);

  /** Makes `client` (a worker or the host) a caller of worker `server`. */
  const connect = (client: PeerName, server: WorkerName, initial?: Partial<Record<PeerName, MessagePort>>) => {
    const { port1, port2 } = new MessageChannel();
    const serverSlot = slots.get(server) as Slot;
    const events = server === 'store' && (WANTS_EVENTS.has(client) || (client === 'orchestrator' && !!config.store));
    send(serverSlot, { t: 'serve', client, port: port2, events }, [port2]);
    if (client === 'host') clients[server].attach(port1 as never);
    else if (initial) initial[server] = port1;
    else send(slots.get(client) as Slot, { t: 'peer', peer: server, port: port1 }, [port1]);
  };

  const spawn = (slot: Slot, held = false): Promise<Record<string, unknown>> => {
    const control = new MessageChannel();
    const peers: Partial<Record<PeerName, MessagePort>> = {};
    slot.control = control.port1;
    const transfer: MessagePort[] = [control.port2];
    for (const peer of PEERS[slot.name]) {
      if (peer === 'host') {
        const ch = new MessageChannel();
        const server = serveRpc(ch.port2 as never, hostService);
        hostPorts.add(server);
        // A dead proxy's port is dropped with it.
        ch.port2.once('close', () => {
          hostPorts.delete(server);
          toProxies.unfollowAll();
        });
        peers.host = ch.port1;
      } else {
        connect(slot.name, peer, peers);
      }
      transfer.push(peers[peer] as MessagePort);
    }
    const worker = new Worker(outsideAsar(WORKER_PATHS[slot.name]), {
      workerData: { name: slot.name, config, control: control.port2, peers, held } satisfies WorkerData,
      transferList: transfer as never[],
      name: `flylight-${slot.name}`,
      stdout: true,
      resourceLimits: WORKER_LIMITS,
    });
    slot.worker = worker;
    // Log lines come on the control port ('log'); this is anything else a worker prints.
    createInterface({ input: worker.stdout }).on('line', (l) => sink.line(l));

    const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
      control.port1.on('message', (msg: WorkerToHost) => {
        if (msg.t === 'log') sink.lines(msg.text);
        else if (msg.t === 'ready') resolve(msg.info);
        else if (msg.t === 'fatal') {
          reject(ApiError.from(msg.error));
          log.error(`${slot.name} worker failed`, { error: msg.error.message });
          void worker.terminate();
        } else if (msg.t === 'escalate') {
          log.warn(`${slot.name} worker escalated: ${msg.reason}; restarting it`);
          void worker.terminate();
        }
      });
      worker.on('error', (err) => {
        log.error(`${slot.name} worker crashed`, { error: err.message });
        reject(new ApiError('internal', `${slot.name} worker crashed: ${err.message}`));
      });
      worker.on('exit', (code) => {
        reject(new ApiError('unavailable', `${slot.name} worker exited (code ${code}) before it was ready`));
        if (slot.worker === worker) onExit(slot, code);
      });
    });
    // The host's own client is connected once the worker is up.
    const up = ready.then((info) => {
      connect('host', slot.name);
      setState(slot, 'ready');
      return info;
    });
    up.catch(() => {}); // handled by whoever awaits it; never an unhandled rejection
    return up;
  };

  /** Workers whose peers include `name`. */
  const dependents = (name: WorkerName) => START_ORDER.filter((w) => PEERS[w].includes(name));

  const onExit = (slot: Slot, code: number) => {
    slot.worker = null;
    slot.control?.close();
    slot.control = null;
    clients[slot.name].detach(`${slot.name} worker is restarting`);
    if (stopping || !running) {
      setState(slot, 'stopped');
      return;
    }
    log.warn(`${slot.name} worker exited unexpectedly (code ${code}); restarting`);
    for (const d of dependents(slot.name)) send(slots.get(d) as Slot, { t: 'peer-down', peer: slot.name });
    const now = Date.now();
    slot.restartTimes = slot.restartTimes.filter((t) => now - t < RESTART_WINDOW_MS).concat(now);
    if (slot.restartTimes.length > MAX_RESTARTS) {
      const reason = `${slot.name} worker crashed ${slot.restartTimes.length} times in ${RESTART_WINDOW_MS / 1000} s; giving up`;
      log.error(reason);
      records.workerNews(slot.name, reason.slice(slot.name.length + 8));
      void stop({ ok: false, reason });
      return;
    }
    slot.status.restarts++;
    setState(slot, 'restarting');
    records.workerNews(slot.name, `exited unexpectedly (code ${code}); restarting`);
    // Back off a little on repeated crashes so a crash loop cannot eat both cores.
    const delay = Math.min(2000, 50 * 2 ** (slot.restartTimes.length - 1));
    setTimeout(() => void restart(slot), delay);
  };

  const restart = async (slot: Slot) => {
    if (stopping) return;
    try {
      await spawn(slot);
    } catch (err) {
      log.error(`${slot.name} worker failed to restart`, { error: (err as Error).message });
      return; // its exit handler schedules the next attempt (or gives up)
    }
    if (stopping) return;
    for (const d of dependents(slot.name)) {
      if ((slots.get(d) as Slot).worker) connect(d, slot.name);
    }
    // An in-memory store comes back empty: the orchestrator must rebuild from it too.
    if (slot.name === 'store' && config.dataDir === null) {
      const orch = slots.get('orchestrator') as Slot;
      if (orch.worker) void orch.worker.terminate();
    }
    log.info(`${slot.name} worker restarted`, { restarts: slot.status.restarts });
    records.workerNews(slot.name, `restarted (restart ${slot.status.restarts})`);
  };

  const stop = async (result: { ok: boolean; reason?: string } = { ok: true }) => {
    if (stopping) return finished.then(() => undefined);
    stopping = true;
    load.close();
    const began = Date.now();
    const deadline = began + STOP_DEADLINE_MS;
    if (running) log.info('stopping: closing the port, flushing FlyD queues, closing the store');
    // Reverse start order: stop taking requests, flush FlyD queues into the store, close the store.
    for (const name of [...START_ORDER].reverse()) {
      const slot = slots.get(name) as Slot;
      const worker = slot.worker;
      if (!worker) continue;
      const left = Math.max(100, deadline - Date.now() - 50 * START_ORDER.indexOf(name));
      // The runtime posts 'stopped' after its shutdown hook (the proxy's port closed); then the thread is ours to end.
      slot.control?.on('message', (m: WorkerToHost) => {
        if (m.t === 'stopped') void worker.terminate();
      });
      await endThread(
        worker,
        () => send(slot, { t: 'shutdown' }),
        left,
        () => log.warn(`${name} worker did not stop in time; terminating it`),
      );
    }
    bus.removeAllListeners();
    records.stop();
    withdrawEndpoint?.();
    if (running) log.info('stopped', { duration_ms: Date.now() - began });
    await sink.close();
    await fleetLock?.release();
    finish(result);
  };

  let withdrawEndpoint: (() => void) | null = null;
  // All threads load while the store reads; each starts on 'go' in order. A failure stops all.
  let proxyInfo: Record<string, unknown> = {};
  try {
    const starting = START_ORDER.map((name, i) => spawn(slots.get(name) as Slot, i > 0));
    for (const [i, name] of START_ORDER.entries()) {
      if (i > 0) send(slots.get(name) as Slot, { t: 'go' });
      const info = await starting[i];
      // `serve --scenario`: its VMs and statuses replace whatever the data directory held, once,
      // before the orchestrator builds its actors from the store (a store restart keeps them).
      // A shared fleet takes only its regions and machines, as the seed of an empty etcd.
      if (name === 'store' && config.scenario && !config.store)
        await clients.store.api.importScenario(config.scenario.files);
      if (name === 'proxy') {
        proxyInfo = info;
        if (typeof info.port === 'number') config.port = info.port;
      }
    }
  } catch (err) {
    await stop({ ok: false, reason: (err as Error).message });
    throw err;
  }
  running = true;

  const url = String(proxyInfo.url ?? `http://${config.host}:${config.port}`);
  fleetLock?.announce(url);
  if (initialConfig.logFormat !== 'silent' && initialConfig.banner !== false) {
    terminal.write(`Flylight proxy listening on ${url}\n`);
  }
  if (config.endpointFile) {
    try {
      withdrawEndpoint = publishEndpoint(config.endpointFile, url);
    } catch (err) {
      log.warn('cannot publish the address for the CLI', { file: config.endpointFile, error: (err as Error).message });
    }
  }
  return {
    url,
    config,
    finished,
    gate: (req) => clients.proxy.api.handle(req),
    onEvent: (cb) => {
      bus.on('event', cb);
      return () => bus.off('event', cb);
    },
    onWorkers: (cb) => {
      bus.on('workers', cb);
      return () => bus.off('workers', cb);
    },
    workers: workerStatuses,
    collectGarbage: () => {
      for (const slot of slots.values()) send(slot, { t: 'collect' });
    },
    crashWorker: async (name) => {
      const slot = slots.get(name) as Slot;
      if (slot.worker) await endThread(slot.worker, () => send(slot, { t: 'crash' }), 5000);
    },
    stop: () => stop(),
  };
}
