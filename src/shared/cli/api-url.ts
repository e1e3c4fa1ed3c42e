// The API address a terminal user gives with --api or FLYLIGHT_API.

import { UsageError } from './usage-error';

/** Checks an --api / FLYLIGHT_API value; returns it without a trailing slash. */
export function checkApiUrl(raw: string, label = '--api'): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new UsageError(`${label} must be an http:// or https:// URL such as http://127.0.0.1:3030; got '${raw}'`);
  }
  return raw.replace(/\/+$/, '');
}
