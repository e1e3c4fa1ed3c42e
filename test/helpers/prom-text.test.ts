// The exposition-format checker the /metrics tests rely on: it must accept well-formed text and
// refuse each kind of malformed text, or a passing /metrics test would mean nothing.

import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, sampleValue } from './prom-text';

const GOOD = `# HELP http_requests_total Requests.\\nSecond line with \\\\ backslash.
# TYPE http_requests_total counter
http_requests_total{route="vms",status="201"} 3
http_requests_total{route="vms",status="409"} 1e0

# a plain comment
# HELP temp Temperature.
# TYPE temp gauge
temp -1.5
# TYPE lat histogram
lat_bucket{route="a",le="0.1"} 1
lat_bucket{route="a",le="1"} 2
lat_bucket{route="a",le="+Inf"} 2
lat_sum{route="a"} 0.7
lat_count{route="a"} 2
odd{v="quote \\" and \\\\ and \\n"} NaN 1700000000000
`;

describe('parseExposition', () => {
  it('reads a well-formed exposition', () => {
    const f = parseExposition(GOOD);
    expect(f.get('http_requests_total')?.type).toBe('counter');
    expect(f.get('http_requests_total')?.help).toBe('Requests.\nSecond line with \\ backslash.');
    expect(sampleValue(f, 'http_requests_total', { status: '201' })).toBe(3);
    expect(sampleValue(f, 'temp')).toBe(-1.5);
    expect(sampleValue(f, 'lat_count', { route: 'a' })).toBe(2);
    expect(f.get('odd')?.samples[0].labels.v).toBe('quote " and \\ and \n');
  });

  const hist = (lines: string) => `# TYPE h histogram\n${lines}`;
  it.each([
    ['no final newline', 'a 1'],
    ['a bad metric name', '1abc 1\n'],
    ['a bad label name', 'a{1x="y"} 1\n'],
    ['a reserved label name', 'a{__name__="y"} 1\n'],
    ['a bad escape', 'a{x="\\t"} 1\n'],
    ['an unterminated label value', 'a{x="y} 1\n'],
    ['a repeated label', 'a{x="1",x="2"} 1\n'],
    ['a value that is not a float', 'a 1,5\n'],
    ['a missing value', 'a{x="1"}\n'],
    ['a duplicate series', 'a{x="1"} 1\na{x="1"} 2\n'],
    ['an unknown type', '# TYPE a number\na 1\n'],
    ['a second TYPE', '# TYPE a gauge\n# TYPE a gauge\na 1\n'],
    ['a second HELP', '# HELP a x\n# HELP a y\na 1\n'],
    ['TYPE after the samples', 'a 1\n# TYPE a gauge\n'],
    ['interleaved families', 'a{x="1"} 1\nb 1\na{x="2"} 1\n'],
    ['a negative counter', '# TYPE c_total counter\nc_total -1\n'],
    ['a bucket without le', hist('h_bucket 1\nh_sum 1\nh_count 1\n')],
    ['a histogram without +Inf', hist('h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n')],
    [
      'buckets that are not cumulative',
      hist('h_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'),
    ],
    ['+Inf different from _count', hist('h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n')],
    ['le not increasing', hist('h_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')],
    ['a histogram without _sum', hist('h_bucket{le="+Inf"} 1\nh_count 1\n')],
  ])('refuses %s', (_name, text) => {
    expect(() => parseExposition(text)).toThrow(ExpositionError);
  });
});
