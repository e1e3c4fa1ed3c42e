// The action icons of the VM rows (16 px, stroke = currentColor), drawn here so the list needs
// no icon font.

import type { Operation } from '../../../../shared/lifecycle';

const PATHS: Record<Operation, string> = {
  start: 'M5 3.5v9l7.5-4.5z',
  stop: 'M4.5 4.5h7v7h-7z',
  suspend: 'M5.5 4v8M10.5 4v8',
  restart: 'M12.5 8a4.5 4.5 0 1 1-1.4-3.3M12.5 3v2.5H10',
  destroy: 'M3.5 4.5h9M6.5 4.5V3h3v1.5M5 4.5l.6 8h4.8l.6-8',
};

export function OpIcon({ op }: { op: Operation }) {
  const filled = op === 'start' || op === 'stop';
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path
        d={PATHS[op]}
        fill={filled ? 'currentColor' : 'none'}
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
