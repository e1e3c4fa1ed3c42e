// The aggregate refusal log line: refusals counted per reason and logged once per interval.

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/main/common/log';
import { RefusalTally } from '../../../src/main/proxy/tally';
import { until } from '../../helpers/until';

describe('RefusalTally', () => {
  it('writes one line per period with the count of each reason', async () => {
    const lines: string[] = [];
    const log = createLogger('json', {}, (l) => lines.push(l));
    const tally = new RefusalTally(log, 'refused in aggregate', 50);
    for (let i = 0; i < 1000; i++) tally.add(i % 4 === 0 ? 'connection_cap' : 'rate_limited');
    expect(lines).toHaveLength(0);
    await until(() => lines.length > 0, 2000, 'the aggregate line');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'warn',
      msg: 'refused in aggregate',
      count: 1000,
      refused: { rate_limited: 750, connection_cap: 250 },
    });
    tally.flush();
    expect(lines).toHaveLength(1);
  });
});
