import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/shared/random';
import { draw, INSTANT, parseTimingProfile, REALISTIC } from '../../src/shared/timing';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}

describe('timing profiles', () => {
  it('instant takes no time and never fails', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 100; i++) expect(draw(INSTANT, 'start', rng)).toEqual({ ms: 0, fails: false });
  });

  it('draws delay + U(0, jitter), scaled by speed and by the degraded factor', () => {
    const t = REALISTIC.stages.start;
    const rng = mulberry32(7);
    for (let i = 0; i < 1000; i++) {
      const d = draw(REALISTIC, 'start', rng);
      expect(d.ms).toBeGreaterThanOrEqual(t.delay_ms);
      expect(d.ms).toBeLessThan(t.delay_ms + t.jitter_ms);
    }
    const a = draw(REALISTIC, 'start', mulberry32(3));
    expect(draw(REALISTIC, 'start', mulberry32(3), 10).ms).toBeCloseTo(a.ms / 10);
    expect(draw(REALISTIC, 'start', mulberry32(3), 1, true).ms).toBeCloseTo(a.ms * REALISTIC.degraded_factor);
  });

  it('fails at the profile rate on a fixed seed, and replays exactly', () => {
    const profile = parseTimingProfile('{"stages":{"start":{"failure":0.25}}}');
    const run = () => {
      const rng = mulberry32(42);
      return Array.from({ length: 4000 }, () => draw(profile, 'start', rng).fails);
    };
    const fails = run().filter(Boolean).length;
    expect(fails / 4000).toBeGreaterThan(0.22);
    expect(fails / 4000).toBeLessThan(0.28);
    expect(run()).toEqual(run());
  });

  it('takes a partial profile from JSON and keeps the realistic defaults for the rest', () => {
    const p = parseTimingProfile('{"name":"slow-boot","stages":{"create":{"delay_ms":5000}}}');
    expect(p.name).toBe('slow-boot');
    expect(p.stages.create).toEqual({ ...REALISTIC.stages.create, delay_ms: 5000 });
    expect(p.stages.stop).toEqual(REALISTIC.stages.stop);
  });

  it('names what is wrong in a bad profile', () => {
    expect(messageOf(() => parseTimingProfile('{', 't.json'))).toMatch(/^t\.json: not JSON/);
    expect(messageOf(() => parseTimingProfile('[]'))).toMatch(/must be a JSON object/);
    expect(messageOf(() => parseTimingProfile('{"stagez":{}}'))).toMatch(/unknown key "stagez"/);
    expect(messageOf(() => parseTimingProfile('{"stages":{"boot":{}}}'))).toMatch(
      /unknown stage "boot" \(stages: create/,
    );
    expect(messageOf(() => parseTimingProfile('{"stages":{"start":{"delay_ms":-1}}}'))).toMatch(
      /stages\.start\.delay_ms must be milliseconds from 0/,
    );
    expect(messageOf(() => parseTimingProfile('{"stages":{"start":{"failure":2}}}'))).toMatch(
      /failure must be a probability from 0 to 1/,
    );
    expect(messageOf(() => parseTimingProfile('{"degraded_factor":0.5}'))).toMatch(/degraded_factor must be/);
  });
});
