// A strict checker for the Prometheus text exposition format (version 0.0.4), written for the
// tests because no checker (promtool, prom2json) is installed. It follows the format as
// Prometheus's own parser reads it and adds promtool's consistency rules: HELP and TYPE at most
// once per family and before its samples; a family's samples contiguous; valid metric and label
// names; label values escaped; values Go floats; no duplicate series; counters non-negative;
// histograms with _bucket/_sum/_count, increasing `le`, cumulative counts and +Inf == _count.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf|NaN)$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export class ExpositionError extends Error {}

function fail(line: number, message: string): never {
  throw new ExpositionError(`line ${line}: ${message}`);
}

function parseFloatStrict(text: string, line: number): number {
  if (!FLOAT.test(text)) fail(line, `'${text}' is not a float`);
  if (/^[+-]?[Ii]nf$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (text === 'NaN') return Number.NaN;
  return Number(text);
}

/** Reads `{a="b",c="d"}` starting at `i` (the '{'); returns the labels and the index after '}'. */
function parseLabels(s: string, i: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  i++; // '{'
  for (;;) {
    if (s[i] === '}') return { labels, end: i + 1 };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i));
    if (!nameMatch) fail(line, `bad label name at column ${i + 1}`);
    const name = nameMatch[0];
    if (name.startsWith('__')) fail(line, `label name '${name}' is reserved`);
    if (name in labels) fail(line, `label '${name}' appears twice`);
    i += name.length;
    if (s[i] !== '=' || s[i + 1] !== '"') fail(line, `expected ="…" after label '${name}'`);
    i += 2;
    let value = '';
    for (;;) {
      const c = s[i];
      if (c === undefined) fail(line, `unterminated value of label '${name}'`);
      if (c === '"') break;
      if (c === '\\') {
        const n = s[i + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else fail(line, `bad escape '\\${n ?? ''}' in label '${name}'`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    i++; // closing quote
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] !== '}') fail(line, `expected , or } after label '${name}'`);
  }
}

function checkHelp(text: string, line: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') {
      out += text[i];
      continue;
    }
    const n = text[i + 1];
    if (n === '\\') out += '\\';
    else if (n === 'n') out += '\n';
    else fail(line, `bad escape '\\${n ?? ''}' in HELP`);
    i++;
  }
  return out;
}

/** The family a sample name belongs to, given the families declared so far. */
function familyOf(name: string, types: Map<string, MetricType>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const t = types.get(base);
      if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
    }
  }
  return name;
}

/** Parses and checks `text`; throws ExpositionError naming the first problem and its line. */
export function parseExposition(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) fail(text.split('\n').length, 'the last line must end with a newline');
  const families = new Map<string, Family>();
  const types = new Map<string, MetricType>();
  const helps = new Set<string>();
  const seriesSeen = new Set<string>();
  const finished = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: types.get(name) ?? 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };

  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name)) fail(line, `bad metric name '${name}'`);
      if (finished.has(name) || (current === name && family(name).samples.length > 0))
        fail(line, `${kind} for '${name}' after its samples`);
      if (kind === 'HELP') {
        if (helps.has(name)) fail(line, `second HELP for '${name}'`);
        helps.add(name);
        family(name).help = checkHelp(rest, line);
      } else {
        if (types.has(name)) fail(line, `second TYPE for '${name}'`);
        if (!TYPES.has(rest.trim() as MetricType)) fail(line, `unknown type '${rest}'`);
        types.set(name, rest.trim() as MetricType);
        family(name).type = rest.trim() as MetricType;
      }
      if (current !== null && current !== name) finished.add(current);
      current = name;
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) fail(line, `a sample must start with a metric name: '${raw.slice(0, 40)}'`);
    const name = nameMatch[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (raw[i] === '{') ({ labels, end: i } = parseLabels(raw, i, line));
    const rest = raw.slice(i);
    const vm = /^[ \t]+(\S+)(?:[ \t]+(-?\d+))?[ \t]*$/.exec(rest);
    if (!vm) fail(line, `expected ' value [timestamp]' after the series, got '${rest.slice(0, 40)}'`);
    const value = parseFloatStrict(vm[1], line);

    const fam = familyOf(name, types);
    if (finished.has(fam)) fail(line, `samples of '${fam}' are not contiguous`);
    if (current !== null && current !== fam) finished.add(current);
    current = fam;
    const f = family(fam);
    if (f.type === 'counter' && (Number.isNaN(value) || value < 0)) fail(line, `counter '${name}' is ${vm[1]}`);
    if (f.type === 'histogram' && name === fam) fail(line, `histogram '${fam}' has a bare sample`);
    if (name.endsWith('_bucket') && f.type === 'histogram' && labels.le === undefined)
      fail(line, `bucket of '${fam}' without le`);
    const key = `${name}{${Object.keys(labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(labels[k])}`)
      .join(',')}}`;
    if (seriesSeen.has(key)) fail(line, `duplicate series ${key}`);
    seriesSeen.add(key);
    f.samples.push({ name, labels, value });
  });

  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: { le: number; v: number }[]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let g = groups.get(key);
    if (!g) {
      g = { buckets: [] };
      groups.set(key, g);
    }
    if (s.name === `${f.name}_bucket`) {
      if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+|Inf)$/.test(le ?? ''))
        throw new ExpositionError(`${f.name}: bad le '${le}'`);
      g.buckets.push({ le: le === '+Inf' || le === 'Inf' ? Infinity : Number(le), v: s.value });
    } else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else if (s.name === `${f.name}_count`) g.count = s.value;
    else throw new ExpositionError(`${f.name}: unexpected sample '${s.name}'`);
  }
  for (const [key, g] of groups) {
    const where = `${f.name}${key}`;
    if (g.sum === undefined || g.count === undefined) throw new ExpositionError(`${where}: _sum or _count missing`);
    if (g.buckets.length === 0 || g.buckets[g.buckets.length - 1].le !== Infinity)
      throw new ExpositionError(`${where}: the last bucket must be le="+Inf"`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i].le > g.buckets[i - 1].le)) throw new ExpositionError(`${where}: le not increasing`);
      if (g.buckets[i].v < g.buckets[i - 1].v) throw new ExpositionError(`${where}: buckets not cumulative`);
    }
    if (g.buckets[g.buckets.length - 1].v !== g.count)
      throw new ExpositionError(`${where}: +Inf bucket (${g.buckets[g.buckets.length - 1].v}) != _count (${g.count})`);
  }
}

/** The value of one series, or undefined. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
