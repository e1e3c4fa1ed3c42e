// `flylight gen-fleet`: writes a synthetic fleet in the bootstrap CSV format (README "Bootstrap
// CSV"), so a 100k-machine host can be started with `flylight serve --regions FILE`. The same
// seed always writes the same bytes: benchmarks and bug reports can name a fleet by its flags.
//
// It has its own small flag parser on purpose: it is a tool for benchmarks and load tests that
// never talks to a host, so it stays out of the API commands' grammar.

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mulberry32 } from '../shared/random';

export interface FleetRegion {
  code: string;
  location: string;
  status: string;
}

export interface GenFleetOptions {
  regions: number;
  machines: number;
  seed: number;
}

export const GEN_FLEET_LIMITS = { regions: [1, 1000], machines: [1, 2_000_000] } as const;

/** Host sizes real providers rent out: cores, and 4 or 8 GB of memory per core. */
const CORES = [16, 32, 48, 64, 96, 128];
const GB_PER_CORE = [4, 8];

export const GEN_FLEET_USAGE = `usage: flylight gen-fleet [--regions N] [--machines N] [--seed N] [--out FILE]

Writes a synthetic fleet as a bootstrap CSV (for \`flylight serve --regions FILE\`) to FILE or stdout.
  --regions N    regions, 1-1000 (default 35: the bootstrap file's regions, then R036, R037, ...)
  --machines N   machines, 1-2000000, spread evenly over the regions (default 100000)
  --seed N       seed of the machine sizes, a whole number 0-4294967295 (default 1)
  --out FILE     where to write (default: stdout)
  --json         print what was written as JSON (with --out, the file; without, the CSV in "csv")`;

/**
 * The first `n` regions of `known` (the bootstrap file's), then made-up ones: `R036`, `R037`, ...
 * so any count works and the real codes stay first.
 */
export function pickRegions(known: FleetRegion[], n: number): FleetRegion[] {
  const out = known.slice(0, n);
  const taken = new Set(out.map((r) => r.code));
  for (let i = out.length + 1; out.length < n; i++) {
    const code = `R${String(i).padStart(3, '0')}`;
    if (!taken.has(code)) out.push({ code, location: `Synthetic region ${i}`, status: 'Operational' });
  }
  return out;
}

/** CSV quoting (RFC 4180) for the free-text columns. */
function q(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The fleet as CSV text: region rows, then machines dealt round-robin over the regions. */
export function fleetCsv(regions: FleetRegion[], machines: number, seed: number): string {
  const random = mulberry32(seed);
  const digits = Math.max(6, String(machines - 1).length);
  const rows = ['kind,region,location,status,machine,datacenter,cores,memory_gb'];
  for (const r of regions) rows.push(`region,${r.code},${q(r.location)},${q(r.status)},,,,`);
  for (let i = 0; i < machines; i++) {
    const region = regions[i % regions.length].code;
    const cores = CORES[Math.floor(random() * CORES.length)];
    const memory = Math.min(1024, cores * GB_PER_CORE[Math.floor(random() * GB_PER_CORE.length)]);
    const id = `${region.toLowerCase()}-g${String(i).padStart(digits, '0')}`;
    rows.push(`machine,${region},,available,${id},dc-${1 + (i % 3)},${cores},${memory}`);
  }
  return `${rows.join('\n')}\n`;
}

export class GenFleetUsageError extends Error {}

/** Parses `--name value` / `--name=value` flags; every problem says what is allowed. */
export function parseGenFleetArgs(
  argv: string[],
): GenFleetOptions & { out: string | null; help: boolean; json: boolean } {
  const o = { regions: 35, machines: 100_000, seed: 1, out: null as string | null, help: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      o.help = true;
      continue;
    }
    if (arg === '-j' || arg === '--json') {
      o.json = true;
      continue;
    }
    const m = /^--(regions|machines|seed|out)(?:=(.*))?$/.exec(arg);
    if (!m)
      throw new GenFleetUsageError(
        `unknown argument ${JSON.stringify(arg)} (allowed: --regions, --machines, --seed, --out, --json)`,
      );
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') throw new GenFleetUsageError(`--${m[1]} needs a value`);
    if (m[1] === 'out') {
      o.out = value;
      continue;
    }
    const n = Number(value);
    const [min, max] = m[1] === 'seed' ? [0, 0xffffffff] : GEN_FLEET_LIMITS[m[1] as 'regions' | 'machines'];
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new GenFleetUsageError(`--${m[1]} ${JSON.stringify(value)} is not valid (a whole number ${min}-${max})`);
    }
    o[m[1] as 'regions' | 'machines' | 'seed'] = n;
  }
  return o;
}

export interface GenFleetIO {
  out: (text: string) => void;
  err: (line: string) => void;
  /** The bootstrap file's regions, in file order. */
  knownRegions: () => Promise<FleetRegion[]>;
  cwd: string;
}

/** Exit code: 0 written, 2 wrong usage, 1 could not write. */
export async function runGenFleet(argv: string[], io: GenFleetIO): Promise<number> {
  let o: ReturnType<typeof parseGenFleetArgs>;
  // The same failure shapes as every other command (failure-report.ts), --json included.
  const json = argv.includes('--json') || argv.includes('-j');
  const fail = (exit: number, code: string, message: string) => {
    io.err(json ? JSON.stringify({ error: { code, message, exit_code: exit } }) : `error: ${message}`);
    return exit;
  };
  try {
    o = parseGenFleetArgs(argv);
  } catch (err) {
    return fail(2, 'usage', `${(err as Error).message} (see \`flylight gen-fleet --help\`)`);
  }
  if (o.help) {
    io.out(o.json ? `${JSON.stringify({ help: GEN_FLEET_USAGE })}\n` : `${GEN_FLEET_USAGE}\n`);
    return 0;
  }
  const csv = fleetCsv(pickRegions(await io.knownRegions(), o.regions), o.machines, o.seed);
  const summary = { regions: o.regions, machines: o.machines, seed: o.seed };
  if (o.out === null) {
    io.out(o.json ? `${JSON.stringify({ ...summary, csv })}\n` : csv);
    return 0;
  }
  const file = resolve(io.cwd, o.out);
  try {
    writeFileSync(file, csv);
  } catch (err) {
    return fail(
      1,
      'write_failed',
      `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (o.json) io.out(`${JSON.stringify({ ...summary, file })}\n`);
  else io.err(`wrote ${o.machines} machines in ${o.regions} regions to ${file}`);
  return 0;
}

/** The CLI's entry: real stdout/stderr, the bootstrap file's regions read by the store's parser. */
export async function genFleetMain(argv: string[]): Promise<number> {
  return runGenFleet(argv, {
    out: (text) => void process.stdout.write(text),
    err: (line) => void process.stderr.write(`${line}\n`),
    knownRegions: async () => {
      const [{ loadRegionsFile }, { defaultRegionsFile }] = await Promise.all([
        import('../main/store/csv'),
        import('../main/common/paths'),
      ]);
      return (await loadRegionsFile(defaultRegionsFile())).regions;
    },
    cwd: process.cwd(),
  });
}
