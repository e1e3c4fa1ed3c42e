// The proxy's metrics, in a prom-client Registry of its own (not the global one, so a restarted
// proxy or a second proxy in one test process starts clean). Request and launch counters are
// counted here as requests finish; fleet, FlyD, worker and breaker figures are read from their
// owners when /metrics is scraped. Every label has a bounded set of values: routes are route
// names (never raw paths), methods the known ones, regions only validated codes.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EtcdStats } from '../../shared/cluster';
import { LIFECYCLE_STATES } from '../../shared/lifecycle';
import { addFragmentation, NO_FRAGMENTATION, REFERENCE_VM } from '../../shared/placement';
import type { OrchestratorStats } from '../../shared/services';
import type { BreakerStatus, Region, WorkerStatus } from '../../shared/types';
import { EtcdMetrics } from './etcd-metrics';

export interface RequestRecord {
  route: string;
  status: number;
  method?: string;
  /** How long it took, in seconds. */
  seconds?: number;
}

/** Where a scrape reads the figures the proxy does not own; each may fail on its own. */
export interface ScrapeSources {
  regions(): Promise<Region[]>;
  /** VMs per lifecycle state; absent in callers that do not know VMs. */
  vmStates?(): Promise<Record<string, number>>;
  stats(): Promise<OrchestratorStats>;
  workers(): Promise<WorkerStatus[]>;
  breaker(): BreakerStatus;
  /** A shared fleet's traffic with etcd (null without one). */
  etcdStats?(): Promise<EtcdStats | null>;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const GIB = 1024 ** 3;
const BREAKER_STATES: BreakerStatus['state'][] = ['closed', 'open', 'half_open'];

/** A counter whose value lives elsewhere (another worker): set at scrape time. */
function setCounter(c: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (labels) {
    c.remove(labels);
    c.inc(labels, Math.max(0, value));
  } else {
    c.reset();
    c.inc(Math.max(0, value));
  }
}

export class ProxyMetrics {
  total = 0;
  errors = 0;
  launchesOk = 0;
  launchesFailed = 0;
  readonly registry = new Registry();

  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly latency: Histogram<'route' | 'method'>;
  private readonly inFlightGauge: Gauge;
  private readonly sseGauge: Gauge;
  private readonly sseDrops: Counter<'stream' | 'reason'>;
  private readonly authFailures: Counter;
  private readonly launches: Counter<'region' | 'result' | 'reason'>;
  private readonly region: Record<
    | 'machines'
    | 'coresCapacity'
    | 'coresAllocated'
    | 'memCapacity'
    | 'memAllocated'
    | 'referenceVmsFree'
    | 'strandedCores'
    | 'strandedMemory',
    Gauge<'region'>
  >;
  private readonly fleetCapacity: Record<'referenceVmsFree' | 'strandedCores' | 'strandedMemory', Gauge>;
  private readonly utilisation: Gauge<'region' | 'resource'>;
  private readonly flydFlushes: Counter;
  private readonly flydFailed: Counter;
  private readonly flydQueue: Gauge;
  private readonly unsettled: Gauge;
  private readonly actorRestarts: Counter;
  private readonly machines: Gauge;
  private readonly workerRestarts: Counter<'worker'>;
  private readonly workerUp: Gauge<'worker'>;
  private readonly breakerState: Gauge<'peer' | 'state'>;
  private readonly breakerOpened: Counter<'peer'>;
  private readonly sourceUp: Gauge<'source'>;
  private readonly vmTransitions: Counter<'to'>;
  private readonly vmsByState: Gauge<'state'>;
  private readonly etcd = new EtcdMetrics(this.registry);

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'flylight_http_requests_total',
      help: 'HTTP and IPC requests answered by the proxy, by route name, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'flylight_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer (an event stream: its whole life).',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.inFlightGauge = new Gauge({
      name: 'flylight_http_requests_in_flight',
      help: 'Requests being handled now.',
      registers,
    });
    this.sseGauge = new Gauge({ name: 'flylight_sse_clients', help: 'Open /v1/events streams.', registers });
    this.sseDrops = new Counter({
      name: 'flylight_sse_dropped_total',
      help: 'Event and log streams the proxy cut off (told why in a last `event: error` frame), by stream and reason (slow_consumer: more than 1 MB unread).',
      labelNames: ['stream', 'reason'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'flylight_auth_failures_total',
      help: 'Requests refused for a wrong API token.',
      registers,
    });
    this.launches = new Counter({
      name: 'flylight_launches_total',
      help: 'Launches that reached the orchestrator, by region, result (ok, failed) and reason (none, or the error code).',
      labelNames: ['region', 'result', 'reason'],
      registers,
    });
    const regionGauge = (name: string, help: string) =>
      new Gauge({ name: `flylight_region_${name}`, help, labelNames: ['region'], registers });
    this.region = {
      machines: regionGauge('machines', 'Machines in the region.'),
      coresCapacity: regionGauge('cores_capacity', 'Cores of all machines in the region.'),
      coresAllocated: regionGauge('cores_allocated', 'Cores allocated to VMs in the region (as the store last saw).'),
      memCapacity: regionGauge('memory_capacity_bytes', 'Memory of all machines in the region.'),
      memAllocated: regionGauge('memory_allocated_bytes', 'Memory allocated to VMs in the region.'),
      referenceVmsFree: regionGauge(
        'reference_vms_free',
        `Reference VMs (${REFERENCE_VM.cores} cores, ${REFERENCE_VM.memory_gb} GB) that still fit, machine by machine, on the region's schedulable machines.`,
      ),
      strandedCores: regionGauge('stranded_cores', 'Free cores of the region no reference VM can use (fragmentation).'),
      strandedMemory: regionGauge(
        'stranded_memory_bytes',
        'Free memory of the region no reference VM can use (fragmentation).',
      ),
    };
    this.fleetCapacity = {
      referenceVmsFree: new Gauge({
        name: 'flylight_fleet_reference_vms_free',
        help: 'Reference VMs that still fit over the whole fleet (the sum of the regions).',
        registers,
      }),
      strandedCores: new Gauge({
        name: 'flylight_fleet_stranded_cores',
        help: 'Free cores of the fleet no reference VM can use.',
        registers,
      }),
      strandedMemory: new Gauge({
        name: 'flylight_fleet_stranded_memory_bytes',
        help: 'Free memory of the fleet no reference VM can use.',
        registers,
      }),
    };
    this.utilisation = new Gauge({
      name: 'flylight_region_utilisation_ratio',
      help: 'Allocated over capacity in the region, by resource (cores, memory).',
      labelNames: ['region', 'resource'],
      registers,
    });
    this.flydFlushes = new Counter({
      name: 'flylight_flyd_flushes_total',
      help: 'Conflated FlyD updates applied to the store (since the orchestrator started).',
      registers,
    });
    this.flydFailed = new Counter({
      name: 'flylight_flyd_failed_flushes_total',
      help: 'FlyD updates the store refused or did not answer (kept and retried).',
      registers,
    });
    this.flydQueue = new Gauge({
      name: 'flylight_flyd_queue_depth',
      help: 'Machine changes queued in FlyD actors, not yet in the store.',
      registers,
    });
    this.unsettled = new Gauge({
      name: 'flylight_unsettled_writes',
      help: 'Launches and destroys the store left of unknown outcome (it died or timed out), being settled.',
      registers,
    });
    this.actorRestarts = new Counter({
      name: 'flylight_actor_restarts_total',
      help: 'MachineD and FlyD actors restarted by their supervisor.',
      registers,
    });
    this.machines = new Gauge({
      name: 'flylight_orchestrator_machines',
      help: 'Machines the orchestrator runs actors for.',
      registers,
    });
    this.workerRestarts = new Counter({
      name: 'flylight_worker_restarts_total',
      help: 'Worker threads restarted by the host.',
      labelNames: ['worker'],
      registers,
    });
    this.workerUp = new Gauge({
      name: 'flylight_worker_up',
      help: '1 when the worker thread is ready, 0 while it starts, restarts or is stopped.',
      labelNames: ['worker'],
      registers,
    });
    this.breakerState = new Gauge({
      name: 'flylight_breaker_state',
      help: 'Circuit breaker in front of a peer: 1 for its current state (closed, open, half_open), 0 for the others.',
      labelNames: ['peer', 'state'],
      registers,
    });
    this.breakerOpened = new Counter({
      name: 'flylight_breaker_opened_total',
      help: 'Times the circuit breaker opened.',
      labelNames: ['peer'],
      registers,
    });
    this.vmTransitions = new Counter({
      name: 'flylight_vm_transitions_total',
      help: 'VM lifecycle transitions completed (durable), by the state they moved to, since the orchestrator started.',
      labelNames: ['to'],
      registers,
    });
    this.vmsByState = new Gauge({
      name: 'flylight_vms',
      help: 'VMs in the store, by lifecycle state.',
      labelNames: ['state'],
      registers,
    });
    this.sourceUp = new Gauge({
      name: 'flylight_scrape_source_up',
      help: '1 when this scrape could read the source (store, orchestrator, host), 0 when it could not.',
      labelNames: ['source'],
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  set inFlight(n: number) {
    this.inFlightGauge.set(n);
  }

  set sseClients(n: number) {
    this.sseGauge.set(n);
  }

  record(r: RequestRecord): void {
    this.total++;
    if (r.status >= 400) this.errors++;
    const method = r.method && METHODS.has(r.method) ? r.method : 'other';
    this.requests.inc({ route: r.route, method, status: String(r.status) });
    if (r.seconds !== undefined && Number.isFinite(r.seconds) && r.seconds >= 0)
      this.latency.observe({ route: r.route, method }, r.seconds);
  }

  /** A launch that reached the orchestrator; `region` is a validated code. */
  launch(region: string, reason: string | null): void {
    if (reason === null) this.launchesOk++;
    else this.launchesFailed++;
    this.launches.inc({ region, result: reason === null ? 'ok' : 'failed', reason: reason ?? 'none' });
  }

  /** A stream cut off by the proxy: `stream` is events, activity (events?since) or logs. */
  sseDropped(stream: 'events' | 'activity' | 'logs', reason: string): void {
    this.sseDrops.inc({ stream, reason });
  }

  authFailure(): void {
    this.authFailures.inc();
  }

  snapshot(): { total: number; errors: number; launches_ok: number; launches_failed: number } {
    return {
      total: this.total,
      errors: this.errors,
      launches_ok: this.launchesOk,
      launches_failed: this.launchesFailed,
    };
  }

  /** The Prometheus text; sources that fail leave their families empty and say so in _source_up. */
  async render(src: ScrapeSources): Promise<string> {
    const [regions, stats, workers, states, etcd] = await Promise.allSettled([
      src.regions(),
      src.stats(),
      src.workers(),
      src.vmStates ? src.vmStates() : Promise.resolve(null),
      src.etcdStats ? src.etcdStats() : Promise.resolve(null),
    ]);
    if (etcd.status === 'fulfilled') this.etcd.set(etcd.value);
    if (states.status === 'fulfilled' && states.value) {
      this.vmsByState.reset();
      for (const state of LIFECYCLE_STATES) {
        if (state !== 'destroyed') this.vmsByState.set({ state }, states.value[state] ?? 0);
      }
    }

    for (const g of Object.values(this.region)) g.reset();
    for (const g of Object.values(this.fleetCapacity)) g.reset();
    this.utilisation.reset();
    if (regions.status === 'fulfilled') {
      let fleet = NO_FRAGMENTATION;
      for (const r of regions.value) {
        if (r.capacity) {
          fleet = addFragmentation(fleet, r.capacity);
          this.region.referenceVmsFree.set({ region: r.code }, r.capacity.reference_vms_free);
          this.region.strandedCores.set({ region: r.code }, r.capacity.stranded_cores);
          this.region.strandedMemory.set({ region: r.code }, r.capacity.stranded_memory_gb * GIB);
        }
        const region = { region: r.code };
        this.region.machines.set(region, r.machine_count);
        this.region.coresCapacity.set(region, r.cores_total);
        this.region.coresAllocated.set(region, r.cores_allocated);
        this.region.memCapacity.set(region, r.memory_total_gb * GIB);
        this.region.memAllocated.set(region, r.memory_allocated_gb * GIB);
        this.utilisation.set({ ...region, resource: 'cores' }, r.cores_total ? r.cores_allocated / r.cores_total : 0);
        this.utilisation.set(
          { ...region, resource: 'memory' },
          r.memory_total_gb ? r.memory_allocated_gb / r.memory_total_gb : 0,
        );
      }
      this.fleetCapacity.referenceVmsFree.set(fleet.reference_vms_free);
      this.fleetCapacity.strandedCores.set(fleet.stranded_cores);
      this.fleetCapacity.strandedMemory.set(fleet.stranded_memory_gb * GIB);
    }
    this.sourceUp.set({ source: 'store' }, regions.status === 'fulfilled' ? 1 : 0);

    if (stats.status === 'fulfilled') {
      const s = stats.value;
      setCounter(this.flydFlushes, s.flyd_flushes);
      setCounter(this.flydFailed, s.flyd_failed_flushes);
      setCounter(this.actorRestarts, s.actor_restarts);
      this.flydQueue.set(s.flyd_queue_depth);
      this.unsettled.set(s.unsettled_writes);
      this.machines.set(s.machines);
      for (const [to, n] of Object.entries(s.vm_transitions ?? {})) {
        if ((LIFECYCLE_STATES as readonly string[]).includes(to)) setCounter(this.vmTransitions, n, { to });
      }
    }
    // On failure the orchestrator's figures keep their last values: zeros would read as a reset.
    this.sourceUp.set({ source: 'orchestrator' }, stats.status === 'fulfilled' ? 1 : 0);

    this.workerRestarts.reset();
    this.workerUp.reset();
    if (workers.status === 'fulfilled') {
      for (const w of workers.value) {
        setCounter(this.workerRestarts, w.restarts, { worker: w.name });
        this.workerUp.set({ worker: w.name }, w.state === 'ready' ? 1 : 0);
      }
    }
    this.sourceUp.set({ source: 'host' }, workers.status === 'fulfilled' ? 1 : 0);

    const b = src.breaker();
    for (const state of BREAKER_STATES)
      this.breakerState.set({ peer: 'orchestrator', state }, b.state === state ? 1 : 0);
    setCounter(this.breakerOpened, b.opened, { peer: 'orchestrator' });

    return this.registry.metrics();
  }
}
