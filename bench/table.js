#!/usr/bin/env node
// `node bench/table.js [RESULTS.json ...]` (default bench/results.json): the results of one or
// more runs as the Markdown table of BENCHMARKS.md — one row per figure with date, command,
// machine (and its load average during that run), value, target and whether it is met — so the
// document quotes runs instead of being retyped from a terminal.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeTarget } from './lib/report.js';
import { fmt } from './lib/stats.js';
import { ROOT } from './lib/store-bundle.js';

const files = process.argv.length > 2 ? process.argv.slice(2) : [join(ROOT, 'bench', 'results.json')];

/** @param {string} s */
const cell = (s) => s.replace(/\|/g, '\\|');

const rows = [
  '| date | figure | command | machine | value | baseline (same run) | ratio | target | met |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const file of files) {
  /** @type {{at: string, machine: {cpus: number, model: string, load_average_at_start: number[], load_average_at_end?: number[]}, metrics: any[]}} */
  const results = JSON.parse(readFileSync(file, 'utf8'));
  const date = results.at.slice(0, 16).replace('T', ' ');
  const m = results.machine;
  const machine = `${m.cpus}× ${m.model}, load ${m.load_average_at_start[0]}→${m.load_average_at_end?.[0] ?? '?'}`;
  for (const x of results.metrics) {
    const range = (/** @type {{median: number, min: number, max: number}} */ s, /** @type {string} */ unit) =>
      `${fmt(s.median)} ${unit} (${fmt(s.min)}–${fmt(s.max)})`;
    rows.push(
      `| ${[
        date,
        cell(x.name),
        `\`${x.command ?? `npm run bench -- ${x.bench}`}\``,
        machine,
        range(x.subject, x.unit),
        x.baseline ? `${cell(x.baseline.label)}: ${fmt(x.baseline.median)} ${x.unit}` : '—',
        x.ratio ? range(x.ratio, '×') : '—',
        x.target ? describeTarget(x.target, x.unit) : '—',
        x.target ? (x.target.met ? 'met' : '**missed**') : '—',
      ].join(' | ')} |`,
    );
  }
}
process.stdout.write(`${rows.join('\n')}\n`);
