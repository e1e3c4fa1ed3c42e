// `--store`: the embedded store by default, etcd when asked, and a clear error for anything else.

import { describe, expect, it } from 'vitest';
import { describeStore, parseStoreSpec, StoreSpecError } from '../../src/shared/store-spec';

describe('parseStoreSpec', () => {
  it('means the embedded store for nothing, an empty text or lmdb', () => {
    expect(parseStoreSpec(undefined)).toBeNull();
    expect(parseStoreSpec(' ')).toBeNull();
    expect(parseStoreSpec('LMDB')).toBeNull();
  });

  it('takes one or several etcd endpoints, dropping repeats', () => {
    expect(parseStoreSpec('etcd://127.0.0.1:2379')).toEqual({
      kind: 'etcd',
      endpoints: ['127.0.0.1:2379'],
      tls: null,
      prefix: '/flylight/',
    });
    expect(parseStoreSpec('etcd://a.example:2379, b.example:22379,[::1]:2379,a.example:2379')?.endpoints).toEqual([
      'a.example:2379',
      'b.example:22379',
      '[::1]:2379',
    ]);
  });

  it('takes TLS files with etcd+https and a user with its password', () => {
    const spec = parseStoreSpec('etcd+https://alice@etcd1:2379,etcd2:2379', {
      tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
      password: 's3cret',
    });
    expect(spec).toMatchObject({
      endpoints: ['etcd1:2379', 'etcd2:2379'],
      tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
      user: 'alice',
      password: 's3cret',
    });
    expect(describeStore(spec)).toBe('etcd+https://alice@etcd1:2379,etcd2:2379');
    expect(parseStoreSpec('etcd+https://e:2379', { user: 'bob', password: 'pw' })?.user).toBe('bob');
  });

  it.each([
    ['mysql://h:3306', "unknown scheme 'mysql://'"],
    ['127.0.0.1:2379', 'is not a store URL (lmdb, etcd://HOST:PORT'],
    ['etcd://127.0.0.1', "'127.0.0.1' needs a port, e.g. 127.0.0.1:2379"],
    ['etcd://h:0', 'port 0 is not in 1–65535'],
    ['etcd://h:70000', 'port 70000 is not in 1–65535'],
    ['etcd://h_1:2379', "'h_1' is not a host name or IP address"],
    ['etcd://h:2379,', 'an empty endpoint'],
    ['etcd://h:2379/v3', 'no path or query after the endpoints'],
    ['etcd://alice:pw@h:2379', 'put the etcd password in FLYLIGHT_ETCD_PASSWORD, not in the URL'],
    ['etcd://alice@h:2379', "etcd user 'alice' needs a password: set FLYLIGHT_ETCD_PASSWORD"],
  ])('refuses %s', (raw, message) => {
    expect(() => parseStoreSpec(raw)).toThrow(StoreSpecError);
    expect(() => parseStoreSpec(raw)).toThrow(message);
  });

  it.each([
    [
      'etcd://h:2379',
      { tls: { caFile: '/ca.pem' } },
      '--etcd-cacert, --etcd-cert and --etcd-key need etcd+https://, not etcd://',
    ],
    [undefined, { tls: { certFile: '/c.pem' } }, 'need --store etcd+https://'],
    ['etcd+https://h:2379', { tls: { certFile: '/c.pem' } }, '--etcd-cert and --etcd-key come together'],
    [undefined, { user: 'alice' }, '--etcd-user needs --store etcd://'],
    ['etcd://h:2379', { password: 'pw' }, 'FLYLIGHT_ETCD_PASSWORD is set but no etcd user is given'],
    ['etcd://bob@h:2379', { user: 'alice', password: 'pw' }, "names user 'bob' and --etcd-user 'alice'"],
    ['etcd://h:2379', { user: 'a b', password: 'pw' }, "etcd user 'a b' is not valid"],
    ['etcd://h:2379', { prefix: 'flylight' }, "etcd key prefix 'flylight' must start and end with /"],
  ])('refuses %s with %j', (raw, opts, message) => {
    expect(() => parseStoreSpec(raw, opts)).toThrow(message);
  });
});
