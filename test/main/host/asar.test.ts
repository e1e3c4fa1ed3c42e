// Worker threads in the packaged app get files under app.asar.unpacked, never inside the archive.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outsideAsar } from '../../../src/main/host/asar';

const res = join('/opt', 'Flylight', 'resources');

describe('outsideAsar', () => {
  it('points into app.asar.unpacked when the file was unpacked there', () => {
    const seen: string[] = [];
    const p = outsideAsar(join(res, 'app.asar', 'out', 'main', 'worker-a.js'), (q) => {
      seen.push(q);
      return true;
    });
    expect(p).toBe(join(res, 'app.asar.unpacked', 'out', 'main', 'worker-a.js'));
    expect(seen).toEqual([p]);
  });

  it('leaves a file that is only inside the archive, and any path outside one, alone', () => {
    const inside = join(res, 'app.asar', 'out', 'main', 'index.js');
    expect(outsideAsar(inside, () => false)).toBe(inside);
    const dev = join('/home', 'me', 'flylight', 'out', 'main', 'worker-a.js');
    expect(outsideAsar(dev, () => true)).toBe(dev);
    // Only a path segment named exactly app.asar counts.
    const lookalike = join('/srv', 'my.app.asar.d', 'x.js');
    expect(outsideAsar(lookalike, () => true)).toBe(lookalike);
  });
});
