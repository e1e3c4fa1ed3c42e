// The CLI's launch retry policy. A launch that a restarting worker refused (503), that timed
// out (504), or whose connection dropped before the answer, is retried under the same
// Idempotency-Key: the proxy returns the VM if the first try did launch it, so a retry never
// starts a second one.

import { type FlylightApi, isUnreachable } from '../api';
import { ApiError } from '../errors';
import type { LaunchRequest, Vm } from '../types';
import type { CommandIO } from './env';
import { oneLine } from './failure-wording';
import { interruptible, pause } from './interrupt';
import { paint } from './paint';

/** Pauses before each retry of a launch that met a restarting worker: about 4 s in all. */
export const LAUNCH_RETRY_MS: readonly number[] = [250, 500, 1000, 2000];

export function launchRetrying(
  api: FlylightApi,
  req: LaunchRequest,
  key: string,
  io: CommandIO,
  color: boolean,
  wait?: 'started',
): Promise<Vm> {
  return retryingLaunch(
    () => api.launch(req, wait ? { idempotencyKey: key, wait } : { idempotencyKey: key }),
    io,
    color,
  );
}

/** Any launch call under one Idempotency-Key (the single or the batch form), with that policy. */
export async function retryingLaunch<T>(send: () => Promise<T>, io: CommandIO, color: boolean): Promise<T> {
  // Once a host has answered, a refused connection is its proxy restarting, not a missing host.
  let reached = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await interruptible(send(), io.signal);
    } catch (err) {
      const wait = LAUNCH_RETRY_MS[attempt];
      const refused = isUnreachable(err);
      if (wait === undefined || !(worthRetrying(err) || (refused && reached))) throw err;
      reached ||= !refused;
      io.err(paint(`${oneLine((err as Error).message)}; retrying in ${wait / 1000} s`, 'dim', color));
      await pause(wait, io.signal);
    }
  }
}

function worthRetrying(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.code === 'timeout') return true;
  // "Nothing answers" on the first try means no host runs there: say so at once, not in 4 s.
  return err.code === 'unavailable' && !isUnreachable(err);
}

/** 128 random bits; getRandomValues works in every context (randomUUID needs a secure one). */
export function newIdempotencyKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return `cli-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
