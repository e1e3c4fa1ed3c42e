// The store's RNG: seeded when `--seed` (or a test) pins placement, else from the OS's
// randomness. RegionIndex.fitting draws its Fisher–Yates walk over a region's machines from it.

import { randomInt } from 'node:crypto';
import { mulberry32, type Rng } from '../../shared/random';

export { mulberry32, type Rng };

export function createRng(seed?: number): Rng {
  return mulberry32(seed ?? randomInt(0, 2 ** 32 - 1));
}
