// A process's RSS over time, split by phase: /proc/PID/status read every `everyMs` while the
// caller's phases run, so a whole-process peak (VmHWM) can be pinned on the phase that made it.

import { readFileSync } from 'node:fs';
import { fmt } from './stats.js';

/** VmRSS and VmHWM of a process in MB (NaN once it has exited). @param {number} pid */
export function rssNow(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mb = (/** @type {string} */ f) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]) / 1024;
    return { rss: mb('VmRSS'), hwm: mb('VmHWM') };
  } catch {
    return { rss: Number.NaN, hwm: Number.NaN };
  }
}

/**
 * @typedef {{name: string, startRss: number, startHwm: number, maxRss: number, endRss: number,
 *   endHwm: number, ms: number, samples: number}} Phase
 */

/**
 * Samples `pid` every `everyMs` from now on. `phase(name, fn)` runs fn as a named phase; its
 * figures are the RSS when it began, the highest RSS sampled while it ran, the RSS and VmHWM
 * when it ended. `peakPhase()` is the phase in which VmHWM rose to its final value.
 * @param {number} pid @param {number} [everyMs]
 */
export function rssPhases(pid, everyMs = 100) {
  /** @type {Phase[]} */
  const phases = [];
  /** @type {Phase | null} */
  let current = null;
  /** @type {[number, number][]} time (ms since start) and RSS (MB) of every sample */
  const trace = [];
  const began = Date.now();
  const sample = () => {
    const { rss } = rssNow(pid);
    trace.push([Date.now() - began, rss]);
    if (current && rss > current.maxRss) current.maxRss = rss;
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    trace,
    phases,
    /**
     * @template T @param {string} name @param {() => Promise<T>} fn @returns {Promise<T>}
     */
    async phase(name, fn) {
      const start = rssNow(pid);
      const t = Date.now();
      /** @type {Phase} */
      const p = {
        name,
        startRss: start.rss,
        startHwm: start.hwm,
        maxRss: start.rss,
        endRss: 0,
        endHwm: 0,
        ms: 0,
        samples: 0,
      };
      const outer = current;
      current = p;
      const n0 = trace.length;
      try {
        return await fn();
      } finally {
        const end = rssNow(pid);
        p.endRss = end.rss;
        p.endHwm = end.hwm;
        if (end.rss > p.maxRss) p.maxRss = end.rss;
        p.ms = Date.now() - t;
        p.samples = trace.length - n0;
        phases.push(p);
        current = outer;
        if (outer && p.maxRss > outer.maxRss) outer.maxRss = p.maxRss;
      }
    },
    /**
     * The phase during which VmHWM rose to its final value, or null when it got there between
     * the phases sampled (the host doing something else meanwhile).
     */
    peakPhase() {
      const final = Math.max(...phases.map((p) => p.endHwm));
      return phases.find((p) => p.startHwm < final - 0.5 && p.endHwm >= final - 0.5) ?? null;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** One line per phase, for a report's note or the terminal. @param {Phase[]} phases */
export function phaseLines(phases) {
  return phases.map(
    (p) =>
      `${p.name}: RSS ${fmt(p.startRss)} → max ${fmt(p.maxRss)} → ${fmt(p.endRss)} MB, VmHWM ${fmt(p.endHwm)} (${fmt(p.ms / 1000)} s)`,
  );
}
