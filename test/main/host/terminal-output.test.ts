// The terminal's queue is bounded: past the cap lines are counted, not queued, and the terminal
// hears how many it missed once it has taken what was queued.

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TerminalOutput } from '../../../src/main/host/terminal-output';

/** A terminal that takes nothing until `take()`: writes only grow what is queued. */
class SlowTerminal extends EventEmitter {
  writableLength = 0;
  written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    this.writableLength += text.length;
    return this.writableLength < 16;
  }
  take(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

const notice = (n: number) => `missed ${n}\n`;

describe('TerminalOutput', () => {
  it('writes everything while the terminal keeps up', () => {
    const t = new SlowTerminal();
    const out = new TerminalOutput(t, notice, 100);
    out.write('a\n');
    t.take();
    out.write('b\nc\n');
    expect(t.written).toEqual(['a\n', 'b\nc\n']);
    expect(out.missed).toBe(0);
  });

  it('counts the lines past the cap and says so, once, when the terminal has taken the rest', () => {
    const t = new SlowTerminal();
    const out = new TerminalOutput(t, notice, 20);
    out.write('0123456789\n'); // 11 queued
    out.write('0123456789\n'); // 22 queued: at the cap from now on
    out.write('x\ny\n');
    out.write('z\n');
    expect(t.written).toEqual(['0123456789\n', '0123456789\n']);
    expect(out.missed).toBe(3);
    t.take();
    expect(t.written.at(-1)).toBe('missed 3\n');
    // Writing again, the count starts over; the total stays.
    out.write('after\n');
    expect(t.written.at(-1)).toBe('after\n');
    expect(out.missed).toBe(3);
  });

  it('stays quiet on drain when nothing was skipped, and waits for one drain at a time', () => {
    const t = new SlowTerminal();
    const out = new TerminalOutput(t, notice, 10);
    out.write('0123456789\n');
    out.write('a\n');
    out.write('b\n');
    expect(t.listenerCount('drain')).toBe(1);
    t.take();
    expect(t.written).toEqual(['0123456789\n', 'missed 2\n']);
    t.take();
    expect(t.written).toHaveLength(2);
  });
});
