import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/shared/duration';
import { ApiError } from '../../../src/shared/errors';
import {
  checkLoadBody,
  formatMix,
  LoadInputError,
  loadBody,
  parseLoadTexts,
  parseMix,
} from '../../../src/shared/load/spec';

const KNOWN = ['SIN', 'NRT', 'ORD'];
const seed = () => 99;

function refused(fn: () => unknown): LoadInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LoadInputError);
    return err as LoadInputError;
  }
  throw new Error('expected a LoadInputError');
}

describe('parseDuration', () => {
  it.each([
    ['60s', 60_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['45', 45_000],
    [' 10S ', 10_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 's', '10x', '1m 30s', '-5s', 'ten seconds', '5s5'])('%j does not parse', (text) => {
    expect(parseDuration(text)).toBeNaN();
  });

  it('formats back the way people write it', () => {
    expect([250, 1500, 60_000, 90_000, 3_600_000, 5_400_000].map(formatDuration)).toEqual([
      '250ms',
      '1.5s',
      '1m',
      '1m30s',
      '1h',
      '1h30m',
    ]);
  });
});

describe('parseMix', () => {
  it('reads cores x GB : weight, a missing weight being 1', () => {
    expect(parseMix('1x1:70, 4X8:25,16x64')).toEqual([
      { cores: 1, memory_gb: 1, weight: 70 },
      { cores: 4, memory_gb: 8, weight: 25 },
      { cores: 16, memory_gb: 64, weight: 1 },
    ]);
    expect(formatMix(parseMix('1x1:70,4x8:25'))).toBe('1x1:70,4x8:25');
  });

  it.each([
    [
      '1x1:a',
      "--mix must be entries CORESxGB:WEIGHT separated by commas, such as 1x1:70,4x8:25,16x64:5; '1x1:a' is not one",
    ],
    [
      '1x1:70,',
      "--mix must be entries CORESxGB:WEIGHT separated by commas, such as 1x1:70,4x8:25,16x64:5; '' is not one",
    ],
    ['64x1:1', "--mix entry '64x1:1': cores must be a whole number from 1 to 32"],
    ['1x0:1', "--mix entry '1x0:1': memory must be a whole number of GB from 1 to 256"],
    ['1x1:0', "--mix entry '1x1:0': the weight must be a number above 0"],
  ])('%j is refused: %s', (text, message) => {
    const e = refused(() => parseMix(text));
    expect(e.field).toBe('mix');
    expect(e.message).toBe(message);
  });
});

describe('parseLoadTexts', () => {
  it('turns the example line into a spec', () => {
    const spec = parseLoadTexts(
      { rate: '200', duration: '60s', mix: '1x1:70,4x8:25,16x64:5', regions: 'sin,NRT,sin', destroyAfter: '30s' },
      KNOWN,
      undefined,
      seed,
    );
    expect(spec).toEqual({
      rate: 200,
      duration_ms: 60_000,
      mix: parseMix('1x1:70,4x8:25,16x64:5'),
      regions: ['SIN', 'NRT'],
      destroy_after_ms: 30_000,
      strategy: null,
      seed: 99,
    });
  });

  it('defaults: the standard mix, every region, VMs kept, a fresh seed', () => {
    const spec = parseLoadTexts({ rate: '0.5', duration: '10' }, KNOWN, undefined, seed);
    expect(spec.rate).toBe(0.5);
    expect(spec.mix).toHaveLength(3);
    expect(spec.regions).toEqual([]);
    expect(spec.destroy_after_ms).toBeNull();
    expect(spec.seed).toBe(99);
  });

  it.each([
    [{ rate: '0', duration: '1s' }, 'rate', "--rate must be launches per second above 0 and at most 10000; got '0'"],
    [{ rate: '-3', duration: '1s' }, 'rate', "--rate must be launches per second above 0 and at most 10000; got '-3'"],
    [
      { rate: 'fast', duration: '1s' },
      'rate',
      "--rate must be launches per second above 0 and at most 10000; got 'fast'",
    ],
    [{ duration: '1s' }, 'rate', '--rate is required: launches per second, such as 200'],
    [{ rate: '5' }, 'duration', '--duration is required: how long to launch, such as 60s or 2m'],
    [
      { rate: '5', duration: 'soon' },
      'duration',
      "--duration must be a duration such as 60s, 2m, 1m30s or 500ms; got 'soon'",
    ],
    [{ rate: '5', duration: '0s' }, 'duration', "--duration must be above 0 to 24h; got '0s'"],
    [
      { rate: '5', duration: '1s', destroyAfter: 'later' },
      'destroyAfter',
      "--destroy-after must be a duration such as 60s, 2m, 1m30s or 500ms; got 'later'",
    ],
    [
      { rate: '5', duration: '1s', regions: 'SIN,XYZ' },
      'regions',
      "--regions: unknown region 'XYZ' (known: NRT, ORD, SIN; see `flylight regions`)",
    ],
    [
      { rate: '5', duration: '1s', regions: 'SIN,,NRT' },
      'regions',
      '--regions must be region codes separated by commas, such as SIN,NRT',
    ],
    [
      { rate: '5', duration: '1s', strategy: 'best' },
      'strategy',
      "--strategy must be one of random, binpack, spread; got 'best'",
    ],
  ])('%j → %s: %s', (texts, field, message) => {
    const e = refused(() => parseLoadTexts(texts, KNOWN, undefined, seed));
    expect(e.field).toBe(field);
    expect(e.message).toBe(message);
  });

  it("names the field as the caller calls it (the panel's labels)", () => {
    const names = {
      rate: 'Rate',
      duration: 'Duration',
      mix: 'Mix',
      regions: 'Regions',
      destroyAfter: 'Destroy after',
      strategy: 'Strategy',
      seed: 'Seed',
    };
    expect(refused(() => parseLoadTexts({ rate: '0', duration: '1s' }, KNOWN, names)).message).toMatch(/^Rate must/);
    expect(refused(() => parseLoadTexts({ rate: '1', duration: '1s', mix: 'big' }, KNOWN, names)).message).toMatch(
      /^Mix must/,
    );
  });
});

describe('checkLoadBody', () => {
  it('takes back what loadBody writes', () => {
    const spec = parseLoadTexts(
      { rate: '20', duration: '5s', regions: 'ord', destroyAfter: '0s', strategy: 'binpack', seed: '4' },
      KNOWN,
    );
    expect(checkLoadBody(JSON.parse(JSON.stringify(loadBody(spec))), KNOWN)).toEqual(spec);
  });

  it.each([
    [[], 'bad_request', /the body must be a JSON object/],
    [{ rate: 0, duration_ms: 1000 }, 'bad_request', /^rate must be launches per second above 0/],
    [{ rate: 1, duration_ms: 1.5 }, 'bad_request', /^duration_ms must be a whole number from 1 to 86400000; got 1.5/],
    [{ rate: 1, duration_ms: 1000, speed: 2 }, 'unknown_field', /unknown field 'speed'/],
    [{ rate: 1, duration_ms: 1000, regions: ['XYZ'] }, 'unknown_region', /unknown region 'XYZ'/],
    [{ rate: 1, duration_ms: 1000, mix: [{ cores: 0, memory_gb: 1 }] }, 'bad_request', /mix entry '#1': cores/],
    [{ rate: 1, duration_ms: 1000, mix: [] }, 'bad_request', /mix must be an array of 1 to 32/],
  ])('%j is refused (%s)', (body, code, message) => {
    try {
      checkLoadBody(body, KNOWN);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(code);
      expect((err as ApiError).message).toMatch(message);
    }
  });
});
