// Reading a prefix of any size: in pages, all at one revision. One range over a big fleet's
// machines (300k rows, ~45 MB) or its seed chunks (~30 MB) is larger than a gRPC message may be
// (the client refuses answers over 4 MB), and would hold the whole answer in memory twice while
// it is decoded. Pages of a bounded size read the same consistent snapshot: the first page
// fixes the revision, the others read at it.

import type { IKeyValue, KVClient } from 'etcd3';

/** The key just past every key that starts with `prefix` (etcd's range end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every key: the prefix was all 0xff
}

/**
 * Every key under `prefix` at `revision` (or the current one), `limit` keys per call, in key
 * order, each with the revision read at. Resolves with that revision.
 */
export async function readPrefix(
  kv: KVClient,
  prefix: string,
  each: (kv: IKeyValue, revision: string) => void,
  options: { limit: number; revision?: string },
): Promise<string> {
  const end = prefixEnd(Buffer.from(prefix));
  let from = Buffer.from(prefix);
  let revision = options.revision;
  for (;;) {
    const res = await kv.range({
      key: from,
      range_end: end,
      limit: options.limit,
      ...(revision === undefined ? {} : { revision }),
    });
    revision ??= res.header.revision;
    for (const kv of res.kvs) each(kv, revision);
    const last = res.kvs[res.kvs.length - 1];
    if (!res.more || !last) return revision;
    // The next page starts just after the last key read.
    from = Buffer.concat([last.key, Buffer.from([0])]);
  }
}
