// Messages on the control channel between the host and each worker thread. Ports travel in
// these messages (transferred, not cloned), which is why they are not part of the RPC protocol.

import type { MessagePort } from 'node:worker_threads';
import type { HostConfig } from '../../shared/config';
import type { ErrorBody } from '../../shared/errors';
import type { PeerName, WorkerName } from '../../shared/services';

export interface WorkerData {
  name: WorkerName;
  config: HostConfig;
  control: MessagePort;
  /** Ports to peers known at spawn time, so setup() can call them at once. */
  peers: Partial<Record<PeerName, MessagePort>>;
  /** Load now, start (setup) on the host's 'go': its peers are not ready yet. */
  held?: boolean;
}

export type HostToWorker =
  /** Serve this worker's service on `port` for `client`; `events` marks ports that get store events. */
  | { t: 'serve'; client: string; port: MessagePort; events: boolean }
  /** Use `port` to call peer worker `peer`. */
  | { t: 'peer'; peer: PeerName; port: MessagePort }
  /** Peer `peer` died: fail calls to it fast until a new port arrives. */
  | { t: 'peer-down'; peer: PeerName }
  /** A held worker may start now. */
  | { t: 'go' }
  /** Run one full GC (common/full-gc.ts): `serve` asks once its host is up. */
  | { t: 'collect' }
  /**
   * Test hook: throw from a turn of this thread's own loop, as a real crash would. Never
   * `worker.terminate()` under traffic: Node 20 can abort the whole process when a thread is
   * ended while llhttp is inside a JS callback (nodejs/node#38418).
   */
  | { t: 'crash' }
  | { t: 'shutdown' };

export type WorkerToHost =
  | { t: 'ready'; info: Record<string, unknown> }
  | { t: 'fatal'; error: ErrorBody }
  | { t: 'stopped' }
  /** Escalation from inside the worker (e.g. too many actor restarts): the host restarts it. */
  | { t: 'escalate'; reason: string }
  /** A turn's log lines (JSON, newline-terminated), for the host's log sink. */
  | { t: 'log'; text: string };
