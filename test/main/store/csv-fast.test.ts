import { describe, expect, it } from 'vitest';
import { parseRegionsCsv } from '../../../src/main/store/csv';
import { PlainMachineRows } from '../../../src/main/store/csv-fast';
import { mulberry32 } from '../../../src/shared/random';

const COLUMNS = ['kind', 'region', 'location', 'status', 'machine', 'datacenter', 'cores', 'memory_gb'];
/** The same columns in another order: the general reader then reads every row. */
const SHUFFLED = [7, 4, 0, 2, 6, 1, 5, 3];

/** What parsing gives: the fleet, or the message listing the file's problems. */
function outcome(text: string): unknown {
  try {
    return parseRegionsCsv(text, 'f.csv');
  } catch (err) {
    return (err as Error).message;
  }
}

/** A field of a machine row: usually plain, sometimes one of the ways a value can be unusual or wrong. */
let oddness = 0.15;
function variant(rng: () => number, plain: string, odd: string[]): string {
  return rng() >= oddness ? plain : odd[Math.floor(rng() * odd.length)];
}

function machineRow(rng: () => number, i: number): string[] {
  const region = ['SIN', 'AMS', 'X9'][i % 3];
  return [
    variant(rng, 'machine', ['Machine', ' machine', 'machines', 'region']),
    variant(rng, region, [region.toLowerCase(), ` ${region}`, 'TOOLONGCODE', 'S', 'ZZZ', 'S-N']),
    variant(rng, '', [' ', 'Paris']),
    variant(rng, '', ['available', 'maintenance', 'draining', 'offline', 'Offline', 'gone', ' draining']),
    variant(rng, `m-${String(i).padStart(5, '0')}`, ['', ' m-1', 'a b', 'x'.repeat(65), 'm.1_2-3', `m-${i}`]),
    variant(rng, 'dc-1', ['', ' dc-2', 'dc-2 ', 'd'.repeat(65), 'd'.repeat(64), 'rack 7']),
    variant(rng, String([16, 32, 48][i % 3]), [
      '0',
      '007',
      '65536',
      '65537',
      '-1',
      '1.5',
      '',
      ' 8',
      '1e3',
      '9999999999',
    ]),
    variant(rng, String(64 * (1 + (i % 3))), ['0', '1048576', '1048577', '0128', 'x', '', '12 ', '99999999999']),
  ];
}

function file(rng: () => number, rows: number, order: number[]): string {
  const lines = [order.map((i) => COLUMNS[i]).join(',')];
  for (const [code, where] of [
    ['SIN', 'Singapore'],
    ['AMS', 'Amsterdam'],
    ['X9', 'Nowhere'],
  ])
    lines.push(order.map((i) => ['region', code, where, 'Operational', '', '', '', ''][i]).join(','));
  for (let i = 0; i < rows; i++) {
    const row = machineRow(rng, i);
    // Now and then a field too many or too few.
    const extra = rng() < oddness / 8 ? [','] : rng() < oddness / 8 ? ['-'] : [];
    const line = order.map((k) => row[k]).join(',');
    lines.push(extra[0] === ',' ? `${line},` : extra[0] === '-' ? line.slice(0, line.lastIndexOf(',')) : line);
  }
  return `${lines.join('\n')}\n`;
}

describe('plain machine rows read from the text', () => {
  it('give what the general reader gives, fleet or problems, row for row', () => {
    let accepted = 0;
    for (let seed = 1; seed <= 60; seed++) {
      // Half the files have an odd value in one field in seven, half in one in a thousand.
      oddness = seed <= 30 ? 0.15 : 0.001;
      const canonical = file(mulberry32(seed), 40, [0, 1, 2, 3, 4, 5, 6, 7]);
      const general = file(mulberry32(seed), 40, SHUFFLED);
      const got = outcome(canonical);
      expect(got).toEqual(outcome(general));
      if (typeof got !== 'string') accepted++;
    }
    // Both kinds of outcome were compared.
    expect(accepted).toBeGreaterThan(5);
    expect(accepted).toBeLessThan(55);
  });

  it('reads a clean generated fleet entirely, one string per region and datacenter', () => {
    const rows = Array.from(
      { length: 500 },
      (_, i) => `machine,${i % 2 ? 'SIN' : 'AMS'},,,m-${String(i).padStart(4, '0')},dc-${i % 3},16,64`,
    );
    const text = `${COLUMNS.join(',')}\nregion,SIN,Singapore,Operational,,,,\nregion,AMS,Amsterdam,Operational,,,,\n${rows.join('\n')}\n`;
    const fleet = parseRegionsCsv(text, 'f.csv');
    expect(fleet.machines).toHaveLength(500);
    expect(fleet.machines[7]).toEqual({
      id: 'm-0007',
      region: 'SIN',
      datacenter: 'dc-1',
      cores: 16,
      memory_gb: 64,
      status: 'available',
    });
    expect(new Set(fleet.machines.map((m) => m.region)).size).toBe(2);
    // The same string object for every row of a region (interned), not 250 copies.
    const sin = fleet.machines.filter((m) => m.region === 'SIN');
    expect(sin.every((m) => m.region === sin[0].region)).toBe(true);
  });

  it('takes only a header in the usual order, and hands anything unusual back', () => {
    expect(PlainMachineRows.fits(COLUMNS)).toBe(true);
    expect(PlainMachineRows.fits(SHUFFLED.map((i) => COLUMNS[i]))).toBe(false);
    expect(PlainMachineRows.fits([...COLUMNS, 'extra'])).toBe(false);
    const rows = new PlainMachineRows((s) => s);
    const read = (line: string) => rows.read(line, 0, line.length);
    expect(read('machine,SIN,,,m-1,dc-1,16,64')).toMatchObject({ id: 'm-1', cores: 16, memory_gb: 64 });
    expect(read('machine,SIN,,draining,m-1,,1,1')).toMatchObject({ status: 'draining', datacenter: '' });
    for (const odd of [
      'region,SIN,Singapore,Operational,,,,',
      'machine,sin,,,m-1,dc-1,16,64',
      'machine,SIN,,,m-1,dc-1,16,64,',
      'machine,SIN,,,m-1,dc-1,16',
      'machine,SIN,,,m-1,dc-1,16,64 ',
      'machine,SIN,,,m-1,dc-1,0,64',
      'machine,SIN,,,m-1,dc-1,16,1048577',
      'machine,SIN,,Draining,m-1,dc-1,16,64',
      'machine,SIN,,,m 1,dc-1,16,64',
      'machine,SIN,,, m-1,dc-1,16,64',
    ])
      expect(read(odd)).toBeNull();
  });
});
