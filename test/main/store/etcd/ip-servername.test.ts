import { describe, expect, it } from 'vitest';
import { quietIpServername } from '../../../../src/main/store/etcd/ip-servername';

describe('quietIpServername', () => {
  it("drops Node's DEP0123 warning, in both call forms, and passes every other warning on", async () => {
    quietIpServername();
    quietIpServername(); // once is enough: a second call does not wrap twice
    const seen: string[] = [];
    const on = (w: Error & { code?: string }) => seen.push(`${w.name} ${w.code ?? ''} ${w.message}`);
    process.on('warning', on);
    try {
      process.emitWarning('Setting the TLS ServerName to an IP address …', 'DeprecationWarning', 'DEP0123');
      process.emitWarning('Setting the TLS ServerName to an IP address …', {
        type: 'DeprecationWarning',
        code: 'DEP0123',
      });
      process.emitWarning('something else', 'DeprecationWarning', 'DEP0005');
      process.emitWarning('plain');
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', on);
    }
    expect(seen).toEqual(['DeprecationWarning DEP0005 something else', 'Warning  plain']);
  });
});
