// How a figure is recorded and printed: the subject, its baseline measured in the same run,
// and their ratio. Runs of subject and baseline are interleaved by the benchmarks, so the
// ratio is taken pair by pair: drift of the machine (other people's builds) hits both sides.

import { fmt, summarize } from './stats.js';

/**
 * @typedef {{label: string, runs: number[]}} Side
 * @typedef {{
 *   bench: string, name: string, unit: string, better: 'higher' | 'lower',
 *   subject: Side, baseline?: Side, ratioLabel?: string, note?: string,
 * }} MetricInput
 */

export class Report {
  /** @type {object[]} */
  metrics = [];

  /** @param {MetricInput} m */
  add(m) {
    const subject = { label: m.subject.label, ...summarize(m.subject.runs) };
    const out = { bench: m.bench, name: m.name, unit: m.unit, better: m.better, subject };
    const base = m.baseline;
    if (base) {
      out.baseline = { label: base.label, ...summarize(base.runs) };
      const pairs = m.subject.runs.map((s, i) => s / base.runs[i]);
      out.ratio = { of: m.ratioLabel ?? `${m.subject.label} / ${base.label}`, ...summarize(pairs) };
    }
    if (m.note) out.note = m.note;
    this.metrics.push(out);
    print(out);
    return out;
  }
}

function spread(s, unit) {
  return `${fmt(s.median)} ${unit} [${fmt(s.min)}–${fmt(s.max)}]`;
}

function print(m) {
  const w = 32;
  const lines = [`  ${m.name}`, `    ${m.subject.label.padEnd(w)} ${spread(m.subject, m.unit)}`];
  if (m.baseline) {
    lines.push(`    ${m.baseline.label.padEnd(w)} ${spread(m.baseline, m.unit)}`);
    lines.push(`    ${'ratio'.padEnd(w)} ${spread(m.ratio, '×')}  = ${m.ratio.of}`);
  }
  if (m.note) lines.push(`    (${m.note})`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function heading(text) {
  process.stdout.write(`\n== ${text}\n`);
}
