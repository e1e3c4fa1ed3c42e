// The dashboard's three charts over the host's last ten minutes of samples: the fleet's and the
// selected region's utilisation (one UtilisationChart) and launches per second. Drawn on a
// canvas (time-chart.tsx), once per sample (the host samples once a second).

import { useDeferredValue, useMemo } from 'react';
import { useDash, useSamples } from '../hooks';
import { chartRows } from '../state/history';
import { TimeChart, type TimeSeries } from './time-chart';

function UtilisationChart({ region }: { region: string | null }) {
  const samples = useSamples();
  const { times, series } = useMemo(() => {
    const rows = chartRows(samples, region);
    const s: TimeSeries[] = [
      { key: 'cores', name: 'Cores', colorVar: '--c-cores', values: rows.map((r) => r.cores) },
      { key: 'memory', name: 'Memory', colorVar: '--c-memory', values: rows.map((r) => r.memory) },
    ];
    return { times: rows.map((r) => r.t), series: s };
  }, [samples, region]);
  return (
    <TimeChart
      id={region === null ? 'fleet' : 'region'}
      title={region ?? 'Fleet'}
      subtitle="utilisation"
      times={times}
      series={series}
      unit="%"
    />
  );
}

function LaunchesChart() {
  const samples = useSamples();
  const { times, series } = useMemo(() => {
    const rows = chartRows(samples, null);
    const s: TimeSeries[] = [
      { key: 'launches', name: 'Launched', colorVar: '--c-ok', values: rows.map((r) => r.launches) },
      { key: 'failed', name: 'Failed', colorVar: '--c-bad', values: rows.map((r) => r.failed) },
    ];
    return { times: rows.map((r) => r.t), series: s };
  }, [samples]);
  return <TimeChart id="launches" title="Launches" subtitle="/ s" times={times} series={series} unit="/s" />;
}

export function Charts() {
  // The region's chart follows a selection once the page has shown the region (a deferred
  // value), so its first drawing never sits between the click and the region's machines.
  const selected = useDeferredValue(useDash((s) => s.selected));
  return (
    <section className="charts" aria-label="Last 10 minutes">
      <UtilisationChart region={null} />
      {selected ? (
        <UtilisationChart key="region" region={selected} />
      ) : (
        <figure className="chart chart-placeholder" data-testid="chart-region">
          <figcaption className="chart-head">
            <span className="chart-title">
              Region<span className="chart-sub"> utilisation</span>
            </span>
          </figcaption>
          <div className="chart-body">
            <div className="chart-empty">Select a region to see its last 10 minutes.</div>
          </div>
        </figure>
      )}
      <LaunchesChart />
    </section>
  );
}
