import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/shared/cli/env';
import { describeFailure, inFlagWords, reportFailure } from '../../../src/shared/cli/failure-report';
import { Interrupted } from '../../../src/shared/cli/interrupt';
import { CommandFailure, LocalInputError, UsageError } from '../../../src/shared/cli/usage-error';
import { ApiError } from '../../../src/shared/errors';

const env = { apiUrl: 'http://127.0.0.1:3030' };

describe('inFlagWords: API field names back to the flag as typed', () => {
  it('rewrites a message that starts with the field, or prefixes the flag', () => {
    const typed = { 'vm-memory': '--memory', 'vm-region': '-r', count: '--count' };
    expect(inFlagWords('memory_gb must be 1–256; got 0', 'bad_request', { field: 'memory_gb' }, typed)).toEqual({
      message: '--memory must be 1–256; got 0',
      flag: '--memory',
    });
    expect(inFlagWords('vm_memory is required (…)', 'bad_request', { field: 'vm_memory' }, typed)?.message).toBe(
      '--memory is required (…)',
    );
    // Unknown regions carry no field: the code says which flag it was.
    expect(inFlagWords("unknown region 'XYZ' (…)", 'unknown_region', { region: 'XYZ' }, typed)).toEqual({
      message: "-r: unknown region 'XYZ' (…)",
      flag: '-r',
    });
    // Shared parsers name the flag's canonical form; the typed form replaces it.
    expect(inFlagWords('--count must be …', 'bad_request', { field: 'count' }, typed)?.message).toBe(
      '--count must be …',
    );
  });

  it('leaves messages alone when no flag of the line set that field', () => {
    expect(
      inFlagWords('cores must be …', 'bad_request', { field: 'cores' }, { 'vm-memory': '--vm-memory' }),
    ).toBeNull();
    expect(inFlagWords('no machine has room', 'no_capacity', undefined, { 'vm-memory': '--vm-memory' })).toBeNull();
  });

  it('maps cores to whichever of --vm-cores and --vm-cpus was typed', () => {
    expect(inFlagWords('cores must be …', 'bad_request', { field: 'cores' }, { 'vm-cpus': '--vm-cpus' })?.flag).toBe(
      '--vm-cpus',
    );
  });
});

describe('describeFailure: one exit-code rule', () => {
  it.each([
    [new UsageError('bad'), EXIT.usage, 'usage'],
    [new LocalInputError('memory_gb must be …'), EXIT.usage, 'bad_request'],
    [new ApiError('bad_request', 'x'), EXIT.usage, 'bad_request'],
    [new ApiError('unknown_field', 'x'), EXIT.usage, 'unknown_field'],
    [new ApiError('unknown_region', 'x'), EXIT.usage, 'unknown_region'],
    [new ApiError('idempotency_key_reused', 'x'), EXIT.usage, 'idempotency_key_reused'],
    [new ApiError('no_capacity', 'x'), EXIT.failed, 'no_capacity'],
    [new ApiError('region_down', 'x'), EXIT.failed, 'region_down'],
    [new ApiError('invalid_state', 'x'), EXIT.failed, 'invalid_state'],
    [new ApiError('not_found', 'x'), EXIT.failed, 'not_found'],
    [new ApiError('timeout', 'x'), EXIT.failed, 'timeout'],
    [new ApiError('unavailable', 'x'), EXIT.failed, 'unavailable'],
    [new CommandFailure('cancelled', 'x'), EXIT.failed, 'cancelled'],
    [new Error('boom'), EXIT.failed, 'internal'],
  ])('%s → exit %i (%s)', (err, exit, code) => {
    expect(describeFailure(err, env)).toMatchObject({ exit, code });
  });

  it('says nothing for an interrupted command (130)', () => {
    const lines: string[] = [];
    const io = { out: () => {}, err: (l: string) => lines.push(l), color: false };
    expect(reportFailure(describeFailure(new Interrupted(), env), io, false)).toBe(EXIT.interrupted);
    expect(lines).toEqual([]);
  });

  it('prints one line, or one JSON object with the flag and details', () => {
    const lines: string[] = [];
    const io = { out: () => {}, err: (l: string) => lines.push(l), color: false };
    const err = new ApiError('unknown_region', "unknown region 'XYZ'\n(known: …)", { region: 'XYZ' });
    const f = describeFailure(err, env, { 'vm-region': '--region' });
    expect(reportFailure(f, io, false)).toBe(EXIT.usage);
    expect(reportFailure(f, io, true)).toBe(EXIT.usage);
    expect(lines[0]).toBe("error: --region: unknown region 'XYZ' (known: …)");
    expect(JSON.parse(lines[1])).toEqual({
      error: {
        code: 'unknown_region',
        message: "--region: unknown region 'XYZ' (known: …)",
        exit_code: 2,
        flag: '--region',
        details: { region: 'XYZ' },
      },
    });
  });
});
