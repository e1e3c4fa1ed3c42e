import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRegionsFile, parseRegionsCsv } from '../../../src/main/store/csv';

const HEADER = 'kind,region,location,status,machine,datacenter,cores,memory_gb';
const COLUMNS = 'kind, region, location, status, machine, datacenter, cores, memory_gb';
const SIN = 'region,SIN,Singapore,Operational,,,,';
const machineRow = (id: string, cores = '32', memory = '128', region = 'SIN', status = '') =>
  `machine,${region},,${status},${id},dc-1,${cores},${memory}`;
const csv = (...lines: string[]) => `${lines.join('\n')}\n`;

/** The message the parser throws for `text` (fails the test when it does not throw). */
function problem(text: string): string {
  try {
    parseRegionsCsv(text, 'f.csv');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the CSV to be rejected');
}

describe('parseRegionsCsv: rejected files', () => {
  it('rejects an empty file, including one that is only a BOM or blank lines', () => {
    const msg =
      'f.csv:1: the file is empty (expected a header row: kind,region,location,status,machine,datacenter,cores,memory_gb)';
    expect(problem('')).toBe(msg);
    expect(problem('\uFEFF')).toBe(msg);
    expect(problem('\r\n \n\n')).toBe(msg);
  });

  it('rejects a header with no data rows', () => {
    expect(problem(csv(HEADER))).toBe('f.csv:1: no regions in the file (add at least one row with kind=region)');
  });

  it('names a missing column', () => {
    const text = csv('kind,region,location,status,machine,datacenter,cores', 'region,SIN,Singapore,Operational,,,');
    expect(problem(text)).toBe(`f.csv:1: missing column memory_gb (the header needs: ${COLUMNS})`);
  });

  it('names an unknown and a repeated column', () => {
    expect(problem(csv(`${HEADER},colour`, `${SIN},red`))).toBe(
      `f.csv:1: unknown column "colour" (columns: ${COLUMNS})`,
    );
    expect(problem(csv(`${HEADER},cores`, `${SIN},`))).toBe('f.csv:1: column cores appears twice (each column once)');
  });

  it('rejects an unknown kind', () => {
    expect(problem(csv(HEADER, SIN, 'server,SIN,,,m1,dc-1,4,8'))).toBe(
      'f.csv:3: unknown kind "server" (allowed: region, machine)',
    );
  });

  it('rejects non-numeric, negative, zero, fractional and missing capacity', () => {
    const range = (name: string) =>
      name === 'cores' ? 'a whole number from 1 to 65536' : 'a whole number from 1 to 1048576';
    expect(problem(csv(HEADER, SIN, machineRow('m1', 'abc')))).toBe(
      `f.csv:3: cores "abc" is not a number (${range('cores')})`,
    );
    expect(problem(csv(HEADER, SIN, machineRow('m1', '32', '-8')))).toBe(
      `f.csv:3: memory_gb "-8" is negative (${range('memory')})`,
    );
    expect(problem(csv(HEADER, SIN, machineRow('m1', '0')))).toBe(`f.csv:3: cores is zero (${range('cores')})`);
    expect(problem(csv(HEADER, SIN, machineRow('m1', '32', '1.5')))).toBe(
      `f.csv:3: memory_gb "1.5" is not a whole number (${range('memory')})`,
    );
    expect(problem(csv(HEADER, SIN, machineRow('m1', '')))).toBe(`f.csv:3: cores is empty (${range('cores')})`);
    expect(problem(csv(HEADER, SIN, machineRow('m1', '1e3')))).toBe(
      `f.csv:3: cores "1e3" is not written as plain digits (${range('cores')})`,
    );
    expect(problem(csv(HEADER, SIN, machineRow('m1', '99999999999999999999')))).toBe(
      `f.csv:3: cores 99999999999999999999 is too large (${range('cores')})`,
    );
  });

  it('rejects a duplicate machine and says where the first one was', () => {
    expect(problem(csv(HEADER, SIN, machineRow('m1'), machineRow('m2'), machineRow('m1')))).toBe(
      'f.csv:5: duplicate machine m1 (first defined on line 3; machine ids must be unique)',
    );
  });

  it('names every repeat of a machine, in or out of id order, and only the first counts', () => {
    const rows = [machineRow('m9'), machineRow('m1'), machineRow('m9'), machineRow('m1'), machineRow('m9')];
    expect(() => parseRegionsCsv(csv(HEADER, SIN, ...rows), 'f.csv')).toThrow(
      [
        'f.csv:5: duplicate machine m9 (first defined on line 3; machine ids must be unique)',
        'f.csv:6: duplicate machine m1 (first defined on line 4; machine ids must be unique)',
        'f.csv:7: duplicate machine m9 (first defined on line 3; machine ids must be unique)',
      ].join('\n'),
    );
    const ok = parseRegionsCsv(csv(HEADER, SIN, machineRow('m9'), machineRow('m1')), 'f.csv');
    expect(ok.machines.map((m) => m.id)).toEqual(['m1', 'm9']);
  });

  it('rejects a duplicate region, whatever its case', () => {
    expect(problem(csv(HEADER, SIN, 'region,sin,Singapore,Operational,,,,'))).toBe(
      'f.csv:3: duplicate region SIN (first defined on line 2; each region once)',
    );
  });

  it('rejects a machine in a region the file never declares', () => {
    expect(problem(csv(HEADER, SIN, machineRow('m1', '4', '8', 'XYZ')))).toBe(
      'f.csv:3: machine m1 is in unknown region XYZ (declare it with a kind=region row)',
    );
  });

  it('rejects an unterminated quote at the line where it opens', () => {
    expect(problem(csv(HEADER, SIN, 'region,AMS,"Amsterdam,Operational,,,,', machineRow('m1')))).toBe(
      'f.csv:3: a quoted field is never closed (close it with ", and write a quote inside a field as "")',
    );
  });

  it('rejects text after a closing quote', () => {
    expect(problem(csv(HEADER, 'region,SIN,"Singa"pore,Operational,,,,', SIN))).toBe(
      'f.csv:2: text follows a closing quote (quote the whole field, and write a quote inside it as "")',
    );
  });

  it('rejects a stray quote inside an unquoted field', () => {
    expect(problem(csv(HEADER, SIN, machineRow('m"1')))).toBe(
      'f.csv:3: stray quote inside a field (quote a whole field as "..." and write a quote inside it as "")',
    );
  });

  it('rejects a row with the wrong number of fields', () => {
    expect(problem(csv(HEADER, SIN, `${machineRow('m1')},extra`))).toBe(
      'f.csv:3: 9 fields, expected 8 (one per header column; quote values that contain commas)',
    );
    expect(problem(csv(HEADER, SIN, 'machine,SIN,,,m1,dc-1,32'))).toBe(
      'f.csv:3: 7 fields, expected 8 (one per header column; quote values that contain commas)',
    );
  });

  it('rejects bad codes, ids, statuses and misplaced values', () => {
    expect(problem(csv(HEADER, 'region,S,Somewhere,Operational,,,,'))).toBe(
      'f.csv:2: region code "S" is not valid (2 to 8 letters or digits, e.g. SIN)',
    );
    expect(problem(csv(HEADER, 'region,SIN,,Operational,,,,'))).toBe(
      'f.csv:2: region location is empty (e.g. "Singapore")',
    );
    expect(problem(csv(HEADER, SIN, machineRow('m 1')))).toBe(
      `f.csv:3: machine id "m 1" is not valid (1 to 64 letters, digits, '.', '_' or '-')`,
    );
    expect(problem(csv(HEADER, SIN, machineRow('m1', '4', '8', 'SIN', 'broken')))).toBe(
      'f.csv:3: machine status "broken" is not valid (available, maintenance, draining or offline; empty means available)',
    );
    expect(problem(csv(HEADER, 'region,SIN,Singapore,Operational,m1,,,'))).toBe(
      'f.csv:2: machine is set on a region row (leave machine columns empty on kind=region rows)',
    );
    expect(problem(csv(HEADER, SIN, 'machine,SIN,Singapore,,m1,dc-1,4,8'))).toBe(
      'f.csv:3: location is set on a machine row (it belongs on the kind=region row)',
    );
  });

  it('quotes bad values back on one line, cut short, with control characters escaped', () => {
    expect(problem(csv(HEADER, 'region,S\u0007N,Somewhere,Operational,,,,'))).toBe(
      'f.csv:2: region code "S\\u0007N" is not valid (2 to 8 letters or digits, e.g. SIN)',
    );
    expect(problem(csv(HEADER, SIN, machineRow(`m\t${'x'.repeat(60)}`)))).toBe(
      `f.csv:3: machine id "m ${'x'.repeat(38)}…" is not valid (1 to 64 letters, digits, '.', '_' or '-')`,
    );
  });

  it('counts lines across CRLF ends, blank lines and quoted fields that span lines', () => {
    const text = [HEADER, 'region,SIN,"Singa', 'pore",Operational,,,,', '', '   ', machineRow('m1', 'x')].join('\r\n');
    expect(problem(text)).toBe('f.csv:6: cores "x" is not a number (a whole number from 1 to 65536)');
  });

  it('lists several problems in line order, and summarises past ten', () => {
    const text = csv(HEADER, SIN, machineRow('m1', 'x'), 'bogus,SIN,,,,,,', machineRow('m2', '4', '8', 'NOPE'));
    expect(problem(text).split('\n')).toEqual([
      'f.csv:3: cores "x" is not a number (a whole number from 1 to 65536)',
      'f.csv:4: unknown kind "bogus" (allowed: region, machine)',
      'f.csv:5: machine m2 is in unknown region NOPE (declare it with a kind=region row)',
    ]);
    const many = csv(HEADER, SIN, ...Array.from({ length: 12 }, (_, i) => machineRow(`m${i}`, '0')));
    const lines = problem(many).split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('f.csv:3: cores is zero (a whole number from 1 to 65536)');
    expect(lines[10]).toBe('f.csv: … and 2 more problems');
  });
});

describe('parseRegionsCsv: accepted files', () => {
  it('accepts a UTF-8 BOM and CRLF line ends', () => {
    const text = `\uFEFF${[HEADER, SIN, machineRow('m1'), ''].join('\r\n')}`;
    const data = parseRegionsCsv(text, 'f.csv');
    expect(data.regions).toEqual([{ code: 'SIN', location: 'Singapore', status: 'Operational' }]);
    expect(data.machines).toEqual([
      { id: 'm1', region: 'SIN', datacenter: 'dc-1', cores: 32, memory_gb: 128, status: 'available' },
    ]);
  });

  it('reads codes in any case, columns in any order, regions declared after their machines', () => {
    const text = csv(
      'Memory_GB,cores,machine,datacenter,status,location,region,KIND',
      '64,16,b2,dc-1,maintenance,,ams,machine',
      '8,4,a1,,,,sin,machine',
      ',,,,Degraded Performance,"Amsterdam, Netherlands",ams,region',
      ',,,,Operational,Singapore,sin,region',
    );
    const data = parseRegionsCsv(text, 'f.csv');
    expect(data.regions.map((r) => r.code)).toEqual(['AMS', 'SIN']);
    expect(data.regions[0]).toEqual({
      code: 'AMS',
      location: 'Amsterdam, Netherlands',
      status: 'Degraded Performance',
    });
    expect(data.machines).toEqual([
      { id: 'a1', region: 'SIN', datacenter: '', cores: 4, memory_gb: 8, status: 'available' },
      { id: 'b2', region: 'AMS', datacenter: 'dc-1', cores: 16, memory_gb: 64, status: 'maintenance' },
    ]);
  });
});

describe('the shipped resources/regions.csv', () => {
  const CODES =
    'AMS ARN ATL BOG BOM CDG DEN DFW EWR EZE FRA GDL GIG GRU HKG IAD JNB LAX LHR MAD MEL MIA NRT ORD OTP PHX QRO SCL SEA SIN SJC SYD WAW YUL YYZ';
  const SEED_REGIONS = ['ARN', 'BOM', 'DEN', 'GDL', 'GRU', 'HKG', 'JNB', 'MEL', 'NRT', 'SIN'];

  it('holds the 35 seed regions, each with at least two machines, the 99 seed machines among them', async () => {
    const data = await loadRegionsFile(join(__dirname, '..', '..', '..', 'resources', 'regions.csv'));
    expect(data.regions.map((r) => r.code).join(' ')).toBe(CODES);
    for (const r of data.regions) {
      expect(r.status, r.code).toBe(r.code === 'BOM' ? 'Degraded Performance' : 'Operational');
      expect(data.machines.filter((m) => m.region === r.code).length, r.code).toBeGreaterThanOrEqual(2);
    }
    // The seed's machines: 32 cores, 2000 GB, in its ten regions only.
    const seed = data.machines.filter((m) => m.cores === 32 && m.memory_gb === 2000);
    expect(seed).toHaveLength(99);
    expect(new Set(seed.map((m) => m.region))).toEqual(new Set(SEED_REGIONS));
    expect(seed.map((m) => m.id)).toEqual(
      expect.arrayContaining(['consul-node-01', 'consul-node-64', 'consul-node-1', 'localhost-8500']),
    );
    expect(data.machines.find((m) => m.id === 'consul-node-01')?.region).toBe('DEN');
    // The rest were added to the 25 empty regions, 2 to 6 each.
    for (const code of CODES.split(' ').filter((c) => !SEED_REGIONS.includes(c))) {
      const added = data.machines.filter((m) => m.region === code);
      expect(added.length, code).toBeLessThanOrEqual(6);
      for (const m of added) expect(m.id).toMatch(new RegExp(`^${code.toLowerCase()}-m\\d\\d$`));
    }
    expect(new Set(data.machines.map((m) => m.id)).size).toBe(data.machines.length);
  });
});

describe('loadRegionsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flylight-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file in its messages', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, csv(HEADER, SIN, machineRow('m1', '-1')));
    await expect(loadRegionsFile(file)).rejects.toThrow(
      `${file}:3: cores "-1" is negative (a whole number from 1 to 65536)`,
    );
  });

  it('says when the file cannot be read', async () => {
    const file = join(dir, 'missing.csv');
    await expect(loadRegionsFile(file)).rejects.toThrow(
      `${file}: cannot read the regions file: no such file (give a CSV file with --regions FILE)`,
    );
  });
});
