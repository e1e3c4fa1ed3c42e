// scenario.json: what the scenario is and the host settings it was made with. Checked key by
// key, each problem named by the line of its key, like the CSVs' problems.

import { isStrategy, STRATEGIES } from '../../shared/placement';
import { SCENARIO_FORMAT, SCENARIO_VERSION, type ScenarioSettings } from '../../shared/scenario';
import { PROFILES, parseTimingProfile } from '../../shared/timing';
import type { Problem } from './csv-rows';

export interface Manifest {
  description?: string;
  settings: Partial<ScenarioSettings>;
}

const TOP_KEYS = ['format', 'version', 'description', 'exported_at', 'settings'];
const SETTING_KEYS = ['strategy', 'timing', 'seed'];
const MAX_SEED = 2 ** 32 - 1;

/** The manifest, or null after adding its problems. An absent file means no settings. */
export function parseManifest(text: string | undefined, problems: Problem[]): Manifest | null {
  if (text === undefined) return { settings: {} };
  const say = (key: string | null, msg: string) => problems.push({ line: key ? lineOfKey(text, key) : 1, text: msg });
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : 1;
    const why = at ? ` (${(err as Error).message.replace(/ in JSON at position \d+.*$/s, '')})` : '';
    problems.push({
      line,
      text: `not valid JSON${why}: a JSON object like {"format": "${SCENARIO_FORMAT}", "version": 1, "settings": {}}`,
    });
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    say(null, `must be a JSON object like {"format": "${SCENARIO_FORMAT}", "version": 1, "settings": {}}`);
    return null;
  }
  const before = problems.length;
  const top = raw as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!TOP_KEYS.includes(key)) say(key, `unknown key "${key}" (allowed: ${TOP_KEYS.join(', ')})`);
  }
  if (top.format !== undefined && top.format !== SCENARIO_FORMAT) {
    say('format', `format must be "${SCENARIO_FORMAT}"`);
  }
  if (top.version !== undefined && top.version !== SCENARIO_VERSION) {
    say('version', `version ${JSON.stringify(top.version)} is not one this host reads (${SCENARIO_VERSION})`);
  }
  if (top.description !== undefined && (typeof top.description !== 'string' || top.description.length > 500)) {
    say('description', 'description must be text of at most 500 characters');
  }
  const settings: Partial<ScenarioSettings> = {};
  const given = top.settings ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    say('settings', 'settings must be an object with strategy, timing and seed');
  } else {
    const s = given as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!SETTING_KEYS.includes(key)) say(key, `unknown setting "${key}" (allowed: ${SETTING_KEYS.join(', ')})`);
    }
    if (s.strategy !== undefined) {
      if (isStrategy(s.strategy)) settings.strategy = s.strategy;
      else say('strategy', `strategy ${JSON.stringify(s.strategy)} is not valid (${STRATEGIES.join(', ')})`);
    }
    if (s.timing !== undefined) {
      const timing = readTiming(s.timing, (msg) => say('timing', msg));
      if (timing !== null) settings.timing = timing;
    }
    if (s.seed !== undefined && s.seed !== null) {
      if (Number.isSafeInteger(s.seed) && (s.seed as number) >= 0 && (s.seed as number) <= MAX_SEED)
        settings.seed = s.seed as number;
      else say('seed', `seed ${JSON.stringify(s.seed)} is not valid (a whole number from 0 to ${MAX_SEED}, or null)`);
    } else if (s.seed === null) settings.seed = null;
  }
  if (problems.length > before) return null;
  const out: Manifest = { settings };
  if (typeof top.description === 'string') out.description = top.description;
  return out;
}

/** A built-in profile's name, or a whole profile checked as `--timing FILE` is. */
function readTiming(value: unknown, bad: (msg: string) => void): ScenarioSettings['timing'] | null {
  const names = Object.keys(PROFILES).join(', ');
  if (typeof value === 'string') {
    if (PROFILES[value.toLowerCase()]) return value.toLowerCase();
    bad(`timing "${value}" is not a built-in profile (${names}, or a profile object as --timing FILE takes)`);
    return null;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    try {
      return parseTimingProfile(JSON.stringify(value), 'timing');
    } catch (err) {
      bad((err as Error).message);
      return null;
    }
  }
  bad(`timing must be ${names} or a profile object as --timing FILE takes`);
  return null;
}

/** The line where `"key"` first appears, so a problem points at it; 1 when it cannot be found. */
function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(`"${key}"`);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}
