// The event log as a file the browser downloads: CSV (papaparse, quoting as spreadsheets expect)
// or JSON Lines. Only what the filters show is exported, oldest first.

import Papa from 'papaparse';
import { ACTIVITY_COLUMNS, type ActivityEvent, activityJsonLines, activityRows } from '../../../../shared/activity';

export type ExportFormat = 'csv' | 'jsonl';

export function exportText(events: readonly ActivityEvent[], format: ExportFormat): string {
  if (format === 'jsonl') return activityJsonLines(events);
  return `${Papa.unparse({ fields: [...ACTIVITY_COLUMNS], data: activityRows(events) }, { newline: '\n' })}\n`;
}

/** e.g. flylight-events-20261130-024455.csv, in local time as the rows' clock shows it. */
export function exportName(format: ExportFormat, now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `flylight-events-${stamp}.${format}`;
}

export function download(events: readonly ActivityEvent[], format: ExportFormat): void {
  const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson;charset=utf-8';
  const url = URL.createObjectURL(new Blob([exportText(events, format)], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = exportName(format, new Date());
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The click has handed the blob to the download; free it once that has begun.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
