import { describe, expect, it } from 'vitest';
import { shown } from '../../src/shared/quote';
import {
  checkJsonContentType,
  checkNumber,
  checkQuery,
  checkRegion,
  checkVmId,
  parseJsonBody,
  parseNumber,
  unknownRegionMessage,
  validateLaunchBody,
  validateLaunchQuery,
  validateLaunchText,
} from '../../src/shared/validation';
import { thrown } from '../helpers/thrown';

const KNOWN = ['SIN', 'AMS', 'ARN', 'ATL', 'BOG', 'BOM', 'CDG', 'DEN', 'DFW', 'EWR'];

describe('validateLaunchBody', () => {
  it.each([
    [
      { region: 'SIN', memory_gb: 8, cores: 4 },
      { region: 'SIN', memory_gb: 8, cores: 4 },
    ],
    [
      { region: 'sin', memory_gb: 1, cores: 1 },
      { region: 'SIN', memory_gb: 1, cores: 1 },
    ],
    [
      { region: 'Sin', memory_gb: 256, cores: 32, num_candidates: 100 },
      { region: 'SIN', memory_gb: 256, cores: 32, num_candidates: 100 },
    ],
    [
      { cores: 2, memory_gb: 2.0, region: 'ams' },
      { region: 'AMS', memory_gb: 2, cores: 2 },
    ],
  ])('accepts %j', (body, want) => {
    expect(validateLaunchBody(body, KNOWN)).toEqual(want);
  });

  const RANGE_MEM = 'a whole number of GB from 1 to 256';
  const RANGE_CORES = 'a whole number from 1 to 32';
  it.each<[unknown, string, string]>([
    [
      null,
      'bad_request',
      'the request body must be a JSON object like {"region":"SIN","memory_gb":8,"cores":4}; got null',
    ],
    [
      [1, 2],
      'bad_request',
      'the request body must be a JSON object like {"region":"SIN","memory_gb":8,"cores":4}; got an array',
    ],
    [
      'SIN',
      'bad_request',
      'the request body must be a JSON object like {"region":"SIN","memory_gb":8,"cores":4}; got "SIN"',
    ],
    [42, 'bad_request', 'the request body must be a JSON object like {"region":"SIN","memory_gb":8,"cores":4}; got 42'],
    [{ memory_gb: 8, cores: 4 }, 'bad_request', 'region is required (a region code such as SIN)'],
    [{ region: 'SIN', cores: 4 }, 'bad_request', `memory_gb is required (${RANGE_MEM})`],
    [{ region: 'SIN', memory_gb: 8 }, 'bad_request', `cores is required (${RANGE_CORES})`],
    [{ region: 'SIN', memory_gb: '8', cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got "8"`],
    [{ region: 'SIN', memory_gb: 8.5, cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got 8.5`],
    [{ region: 'SIN', memory_gb: -1, cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got -1`],
    [{ region: 'SIN', memory_gb: 0, cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got 0`],
    [{ region: 'SIN', memory_gb: 257, cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got 257`],
    [{ region: 'SIN', memory_gb: 1e300, cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got 1e+300`],
    [{ region: 'SIN', memory_gb: true, cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got true`],
    [{ region: 'SIN', memory_gb: null, cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got null`],
    [{ region: 'SIN', memory_gb: { gb: 8 }, cores: 4 }, 'bad_request', `memory_gb must be ${RANGE_MEM}; got an object`],
    [{ region: 'SIN', memory_gb: 8, cores: 33 }, 'bad_request', `cores must be ${RANGE_CORES}; got 33`],
    [{ region: 'SIN', memory_gb: 8, cores: 0.5 }, 'bad_request', `cores must be ${RANGE_CORES}; got 0.5`],
    [{ region: 'SIN', memory_gb: 8, cores: [4] }, 'bad_request', `cores must be ${RANGE_CORES}; got an array`],
    [
      { region: 'SIN', memory_gb: 8, cores: 4, num_candidates: 0 },
      'bad_request',
      'num_candidates must be a whole number from 1 to 100; got 0',
    ],
    [{ region: 5, memory_gb: 8, cores: 4 }, 'bad_request', 'region must be a region code such as SIN; got 5'],
    [
      { region: '', memory_gb: 8, cores: 4 },
      'bad_request',
      'region must be a region code such as SIN; got an empty value',
    ],
    [
      { region: 'S I N', memory_gb: 8, cores: 4 },
      'bad_request',
      'region must be a region code such as SIN; got "S I N"',
    ],
    [
      { region: 'XYZ', memory_gb: 8, cores: 4 },
      'unknown_region',
      "unknown region 'XYZ' (known: AMS, ARN, ATL, BOG, BOM, … 10 regions; see `flylight regions`)",
    ],
    [
      { region: 'SIN', memory_gb: 8, cores: 4, gpu: 1 },
      'unknown_field',
      "unknown field 'gpu' (allowed: region, memory_gb, cores, num_candidates, strategy, count, explain)",
    ],
    [
      { region: 'SIN', memory_gb: 8, cores: 4, a: 1, b: 2 },
      'unknown_field',
      "unknown field 'a' and 1 more (allowed: region, memory_gb, cores, num_candidates, strategy, count, explain)",
    ],
    [
      JSON.parse('{"__proto__": {"x": 1}, "region": "SIN", "memory_gb": 8, "cores": 4}'),
      'unknown_field',
      "unknown field '__proto__' (allowed: region, memory_gb, cores, num_candidates, strategy, count, explain)",
    ],
  ])('refuses %j', (body, code, message) => {
    const err = thrown(() => validateLaunchBody(body, KNOWN));
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('checks only the shape of the region when no list is known (the CLI before it asks)', () => {
    expect(validateLaunchBody({ region: 'xyz', memory_gb: 8, cores: 4 })).toEqual({
      region: 'XYZ',
      memory_gb: 8,
      cores: 4,
    });
  });
});

describe('validateLaunchQuery (seed /launch)', () => {
  const q = (s: string) => new URLSearchParams(s);
  it('accepts digits as text, any case region, optional num_candidates', () => {
    expect(validateLaunchQuery(q('vm_region=sin&vm_memory=8&vm_cores=4'), KNOWN)).toEqual({
      region: 'SIN',
      memory_gb: 8,
      cores: 4,
    });
    expect(validateLaunchQuery(q('vm_region=SIN&vm_memory=8&vm_cores=4&num_candidates=3'), KNOWN)).toEqual({
      region: 'SIN',
      memory_gb: 8,
      cores: 4,
      num_candidates: 3,
    });
  });

  it.each<[string, string, string]>([
    [
      'vm_region=SIN&vm_memory=8.5&vm_cores=4',
      'bad_request',
      'vm_memory must be a whole number of GB from 1 to 256; got "8.5"',
    ],
    [
      'vm_region=SIN&vm_memory=-1&vm_cores=4',
      'bad_request',
      'vm_memory must be a whole number of GB from 1 to 256; got "-1"',
    ],
    [
      'vm_region=SIN&vm_memory=abc&vm_cores=4',
      'bad_request',
      'vm_memory must be a whole number of GB from 1 to 256; got "abc"',
    ],
    [
      'vm_region=SIN&vm_memory=&vm_cores=4',
      'bad_request',
      'vm_memory must be a whole number of GB from 1 to 256; got an empty value',
    ],
    [
      'vm_region=SIN&vm_memory=NaN&vm_cores=4',
      'bad_request',
      'vm_memory must be a whole number of GB from 1 to 256; got "NaN"',
    ],
    [
      'vm_region=SIN&vm_memory=1e2&vm_cores=4',
      'bad_request',
      'vm_memory must be a whole number of GB from 1 to 256; got "1e2"',
    ],
    [
      'vm_region=SIN&vm_memory=%208&vm_cores=4',
      'bad_request',
      'vm_memory must be a whole number of GB from 1 to 256; got " 8"',
    ],
    [
      'vm_region=SIN&vm_memory=99999999999999999999999&vm_cores=4',
      'bad_request',
      'vm_memory must be a whole number of GB from 1 to 256; got "99999999999999999999999"',
    ],
    [
      'vm_region=SIN&vm_memory=8&vm_cores=true',
      'bad_request',
      'vm_cores must be a whole number from 1 to 32; got "true"',
    ],
    ['vm_region=SIN&vm_memory=8', 'bad_request', 'vm_cores is required (a whole number from 1 to 32)'],
    ['vm_memory=8&vm_cores=4', 'bad_request', 'vm_region is required (a region code such as SIN)'],
    [
      'vm_region=XYZ&vm_memory=8&vm_cores=4',
      'unknown_region',
      "unknown region 'XYZ' (known: AMS, ARN, ATL, BOG, BOM, … 10 regions; see `flylight regions`)",
    ],
    [
      'vm_region=SIN&vm_memory=8&vm_cores=4&debug=1',
      'unknown_field',
      "unknown query parameter 'debug' (allowed: vm_region, vm_memory, vm_cores, num_candidates)",
    ],
    [
      'vm_region=SIN&vm_memory=8&vm_memory=9&vm_cores=4',
      'bad_request',
      'query parameter vm_memory is given more than once',
    ],
    [
      'vm_region=SIN&vm_memory=8&vm_cores=4&num_candidates=101',
      'bad_request',
      'num_candidates must be a whole number from 1 to 100; got "101"',
    ],
  ])('refuses ?%s', (query, code, message) => {
    const err = thrown(() => validateLaunchQuery(q(query), KNOWN));
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });
});

describe('validateLaunchText (CLI flags, same words as POST /v1/vms)', () => {
  it('reads numbers from text', () => {
    expect(validateLaunchText({ region: 'sin', memory_gb: '8', cores: '4' }, KNOWN)).toEqual({
      region: 'SIN',
      memory_gb: 8,
      cores: 4,
    });
    expect(validateLaunchText({ region: 'SIN', memory_gb: '8', cores: '4', num_candidates: '3' })).toEqual({
      region: 'SIN',
      memory_gb: 8,
      cores: 4,
      num_candidates: 3,
    });
  });

  it.each<[Record<string, string | undefined>, unknown, string]>([
    [{ memory_gb: '8.5' }, { memory_gb: 8.5 }, 'memory_gb must be a whole number of GB from 1 to 256; got 8.5'],
    [{ memory_gb: '-1' }, { memory_gb: -1 }, 'memory_gb must be a whole number of GB from 1 to 256; got -1'],
    [{ memory_gb: 'abc' }, { memory_gb: 'abc' }, 'memory_gb must be a whole number of GB from 1 to 256; got "abc"'],
    [{ memory_gb: '' }, { memory_gb: '' }, 'memory_gb must be a whole number of GB from 1 to 256; got an empty value'],
    [{ memory_gb: undefined }, { memory_gb: undefined }, 'memory_gb is required (a whole number of GB from 1 to 256)'],
    [{ cores: '1e3' }, { cores: 1e3 }, 'cores must be a whole number from 1 to 32; got 1000'],
    [
      { region: 'XYZ' },
      { region: 'XYZ' },
      "unknown region 'XYZ' (known: AMS, ARN, ATL, BOG, BOM, … 10 regions; see `flylight regions`)",
    ],
  ])('%j says what the proxy says for %j', (flags, json, message) => {
    const text = { region: 'SIN', memory_gb: '8', cores: '4', ...flags };
    const body = { region: 'SIN', memory_gb: 8, cores: 4, ...(json as object) };
    expect(thrown(() => validateLaunchText(text, KNOWN)).message).toBe(message);
    expect(thrown(() => validateLaunchBody(body, KNOWN)).message).toBe(message);
  });
});

describe('building blocks the CLI shares', () => {
  it('parseNumber takes the name the caller uses (e.g. a CLI flag)', () => {
    expect(parseNumber('cores', '4', '--vm-cores')).toBe(4);
    expect(thrown(() => parseNumber('cores', '4.0', '--vm-cores')).message).toBe(
      '--vm-cores must be a whole number from 1 to 32; got "4.0"',
    );
    expect(thrown(() => parseNumber('memory_gb', undefined)).message).toBe(
      'memory_gb is required (a whole number of GB from 1 to 256)',
    );
  });

  it('checkNumber refuses numeric strings that parseNumber accepts', () => {
    expect(checkNumber('cores', 4)).toBe(4);
    expect(thrown(() => checkNumber('cores', '4')).message).toBe('cores must be a whole number from 1 to 32; got "4"');
  });

  it('checkRegion returns the store spelling and lists few regions in full', () => {
    expect(checkRegion('sIn', KNOWN)).toBe('SIN');
    expect(thrown(() => checkRegion('nope', ['SIN', 'AMS'])).message).toBe(
      "unknown region 'nope' (known: AMS, SIN; see `flylight regions`)",
    );
    expect(unknownRegionMessage('X', [])).toBe("unknown region 'X' (no regions are loaded; see `flylight regions`)");
  });

  it('checkQuery says when a path takes no parameters', () => {
    const err = thrown(() => checkQuery(new URLSearchParams('x=1'), []));
    expect(err.code).toBe('unknown_field');
    expect(err.message).toBe("unknown query parameter 'x' (this path takes no query parameters)");
  });

  it.each([
    ['vm-1a2b3c', true],
    ['vm-abcdef0123456789', true],
    // A scenario's own ids (vms.csv) are VM ids too: the API must reach them.
    ['vm-eu-0001', true],
    ['web_1.blue', true],
    ['x', true],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
    ['', false],
    ['.', false],
    ['..', false],
    ['.hidden', false],
    ['../etc/passwd', false],
    ['vm 1', false],
    ['vm-1a2b3c\u0000', false],
  ])('checkVmId(%j) valid=%s', (id, valid) => {
    if (valid) expect(checkVmId(id)).toBe(id);
    else expect(thrown(() => checkVmId(id)).code).toBe('not_found');
  });

  it('checkVmId names the id safely', () => {
    expect(thrown(() => checkVmId('bad\nid')).message).toBe(
      `no VM with id "bad\\nid" (a VM id is 1 to 128 letters, digits, '.', '_' or '-', not starting with '.', e.g. vm-1a2b3c)`,
    );
  });

  it.each<[string, string]>([
    ['', 'the request body is empty; send a JSON object like {"region":"SIN","memory_gb":8,"cores":4}'],
    ['   ', 'the request body is empty; send a JSON object like {"region":"SIN","memory_gb":8,"cores":4}'],
    ['{x', "malformed JSON in the request body: Expected property name or '}' in JSON at position 1"],
    ['{"a":1,}', 'malformed JSON in the request body: Expected double-quoted property name in JSON at position 7'],
    ['{"region":', 'malformed JSON in the request body: Unexpected end of JSON input'],
  ])('parseJsonBody(%j)', (text, message) => {
    const err = thrown(() => parseJsonBody(text));
    expect(err.code).toBe('bad_request');
    expect(err.message).toBe(message);
  });

  it('parseJsonBody returns any JSON value (the shape is checked next)', () => {
    expect(parseJsonBody('[1]')).toEqual([1]);
  });

  it.each([['application/json'], ['application/json; charset=utf-8'], ['Application/JSON;charset="UTF-8"']])(
    'accepts Content-Type %s',
    (ct) => {
      expect(() => checkJsonContentType(ct)).not.toThrow();
    },
  );

  it.each<[string | undefined, string]>([
    [undefined, 'Content-Type must be application/json (UTF-8); got none'],
    ['text/plain', 'Content-Type must be application/json (UTF-8); got "text/plain"'],
    [
      'application/x-www-form-urlencoded',
      'Content-Type must be application/json (UTF-8); got "application/x-www-form-urlencoded"',
    ],
    [
      'application/json; charset=utf-16',
      'Content-Type must be application/json (UTF-8); got "application/json; charset=utf-16"',
    ],
  ])('refuses Content-Type %s', (ct, message) => {
    const err = thrown(() => checkJsonContentType(ct));
    expect(err.code).toBe('unsupported_media_type');
    expect(err.status).toBe(415);
    expect(err.message).toBe(message);
  });

  it('shows values short and on one line', () => {
    expect(shown('x'.repeat(100))).toBe(`"${'x'.repeat(24)}…"`);
    expect(shown(undefined)).toBe('nothing');
  });
});
