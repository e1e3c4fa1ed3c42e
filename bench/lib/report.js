// How a figure is recorded and printed: the subject, its baseline measured in the same run,
// and their ratio. Runs of subject and baseline are interleaved by the benchmarks, so the
// ratio is taken pair by pair: drift of the machine (other people's builds) hits both sides.

import { fmt, summarize } from './stats.js';

/**
 * @typedef {{label: string, runs: number[]}} Side
 * A target from issue 12, on the subject's median or on the median ratio to the baseline.
 * @typedef {{on: 'subject' | 'ratio', op: '>=' | '<=', value: number}} Target
 * @typedef {{
 *   bench: string, name: string, unit: string, better: 'higher' | 'lower',
 *   subject: Side, baseline?: Side, ratioLabel?: string, note?: string, target?: Target,
 *   command?: string,
 * }} MetricInput
 */

export class Report {
  /** @type {any[]} */
  metrics = [];

  /** @param {MetricInput} m */
  add(m) {
    const subject = { label: m.subject.label, ...summarize(m.subject.runs) };
    /** @type {any} */
    const out = { bench: m.bench, name: m.name, unit: m.unit, better: m.better, subject };
    if (m.baseline) {
      out.baseline = { label: m.baseline.label, ...summarize(m.baseline.runs) };
      const base = m.baseline.runs;
      const pairs = m.subject.runs.map((s, i) => s / base[i]);
      out.ratio = { of: m.ratioLabel ?? `${m.subject.label} / ${m.baseline.label}`, ...summarize(pairs) };
    }
    if (m.note) out.note = m.note;
    if (m.command) out.command = m.command;
    if (m.target) {
      const got = m.target.on === 'ratio' ? out.ratio?.median : subject.median;
      const met = got !== undefined && (m.target.op === '>=' ? got >= m.target.value : got <= m.target.value);
      out.target = { ...m.target, met };
    }
    this.metrics.push(out);
    print(out);
    return out;
  }
}

/** @param {{median: number, min: number, max: number}} s @param {string} unit */
function spread(s, unit) {
  return `${fmt(s.median)} ${unit} [${fmt(s.min)}–${fmt(s.max)}]`;
}

/** @param {any} m */
function print(m) {
  const w = 32;
  const lines = [`  ${m.name}`, `    ${m.subject.label.padEnd(w)} ${spread(m.subject, m.unit)}`];
  if (m.baseline) {
    lines.push(`    ${m.baseline.label.padEnd(w)} ${spread(m.baseline, m.unit)}`);
    lines.push(`    ${'ratio'.padEnd(w)} ${spread(m.ratio, '×')}  = ${m.ratio.of}`);
  }
  if (m.note) lines.push(`    (${m.note})`);
  if (m.target) lines.push(`    target: ${describeTarget(m.target, m.unit)} — ${m.target.met ? 'met' : 'MISSED'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** @param {string} text */
export function heading(text) {
  process.stdout.write(`\n== ${text}\n`);
}

/** "ratio ≥ 0.5×" or "≤ 1,500 ms". @param {Target} t @param {string} unit */
export function describeTarget(t, unit) {
  const op = t.op === '>=' ? '≥' : '≤';
  return t.on === 'ratio' ? `ratio ${op} ${fmt(t.value)}×` : `${op} ${fmt(t.value)} ${unit}`;
}
