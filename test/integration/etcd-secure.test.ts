// A cluster across computers: `flylight serve` reaches etcd over TLS with a client certificate
// (`etcd+https://` with --etcd-cacert/--etcd-cert/--etcd-key), or as an etcd user whose password
// comes from FLYLIGHT_ETCD_PASSWORD. Real etcd, real certificates (openssl), the real CLI. A host
// that etcd refuses does not start, and says why in one line.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src/shared/cluster';
import type { Vm } from '../../src/shared/types';
import { type Certs, makeCerts, type SecureEtcd, startSecureEtcd } from '../helpers/etcd-secure';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

async function launch(h: ServeProcess): Promise<{ status: number; body: Vm }> {
  const res = await fetch(`${h.url}/v1/vms`, {
    method: 'POST',
    headers: { ...h.auth(), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ region: 'SIN', memory_gb: 1, cores: 1 }),
  });
  return { status: res.status, body: (await res.json()) as Vm };
}

/** What a refused start printed (startServe rejects with the host's output). */
async function refusedStart(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const h = await startServe(args, env);
    await h.stop();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`flylight serve ${args.join(' ')} started, but etcd should have refused it`);
}

/** The VM's record is in etcd itself, not only in the host's copy. */
async function inEtcd(etcd: SecureEtcd, id: string): Promise<boolean> {
  const keys = await etcd.client.getAll().keys();
  return keys.some((k) => k.includes(id));
}

describe('etcd over TLS with client certificates', () => {
  let certs: Certs;
  let etcd: SecureEtcd;
  beforeAll(async () => {
    certs = makeCerts();
    etcd = await startSecureEtcd({ certs });
  }, 30_000);
  afterAll(async () => {
    await etcd?.stop();
  });

  it('shares the fleet through etcd+https:// with a certificate the cluster trusts', { timeout: 60_000 }, async () => {
    const tls = ['--etcd-cacert', certs.ca, '--etcd-cert', certs.cert, '--etcd-key', certs.key];
    const h = await startServe(['--store', `etcd+https://${etcd.endpoint}`, ...tls]);
    try {
      const r = await launch(h);
      expect(r.status).toBe(201);
      expect(await inEtcd(etcd, r.body.id)).toBe(true);
      // A host answers before its first rebalance has claimed its machines (~0.1 s after it
      // registers): wait for that, then check the view.
      let cluster: ClusterView | null = null;
      await until(
        async () => {
          cluster = (await (await fetch(`${h.url}/v1/cluster`, { headers: h.auth() })).json()) as ClusterView;
          return cluster.unowned === 0;
        },
        10_000,
        'the host to own every machine',
        100,
      );
      expect((cluster as ClusterView | null)?.hosts).toHaveLength(1);
      const cli = await h.cli(['cluster']);
      expect(cli.code).toBe(0);
      expect(cli.stdout).toContain(etcd.endpoint);
      // An IP endpoint over TLS: nothing the user cannot act on (grpc-js's IP as SNI name, DEP0123).
      expect(h.output()).not.toMatch(/DeprecationWarning|DEP0123/);
    } finally {
      await h.stop();
    }
  });

  it('does not start without a client certificate, or with one another CA signed', { timeout: 60_000 }, async () => {
    const store = ['--store', `etcd+https://${etcd.endpoint}`];
    const none = await refusedStart([...store, '--etcd-cacert', certs.ca]);
    expect(none).toMatch(/exited with [1-9]/);
    expect(none).toContain(
      `etcd at etcd+https://${etcd.endpoint} refused this host's TLS connection (no client certificate)`,
    );
    const stranger = await refusedStart([
      ...store,
      '--etcd-cacert',
      certs.ca,
      '--etcd-cert',
      certs.strangerCert,
      '--etcd-key',
      certs.strangerKey,
    ]);
    expect(stranger).toMatch(/exited with [1-9]/);
    expect(stranger).toContain(`refused this host's TLS connection (the client certificate ${certs.strangerCert})`);
    expect(stranger).toContain('give --etcd-cert and --etcd-key signed by a CA the cluster trusts');
  });
});

describe('etcd with auth enabled', () => {
  const PASSWORD = `pw-${randomUUID()}`;
  let etcd: SecureEtcd;
  beforeAll(async () => {
    etcd = await startSecureEtcd({ root: PASSWORD });
  }, 30_000);
  afterAll(async () => {
    await etcd?.stop();
  });

  it('shares the fleet as an etcd user, the password from FLYLIGHT_ETCD_PASSWORD', { timeout: 60_000 }, async () => {
    const h = await startServe(['--store', `etcd://${etcd.endpoint}`, '--etcd-user', 'root'], {
      FLYLIGHT_ETCD_PASSWORD: PASSWORD,
    });
    try {
      const r = await launch(h);
      expect(r.status).toBe(201);
      expect(await inEtcd(etcd, r.body.id)).toBe(true);
      // The password is nowhere in what the host prints or logs.
      expect(h.output()).not.toContain(PASSWORD);
    } finally {
      await h.stop();
    }
  });

  it('does not start with a wrong password or none, saying etcd refused the user', { timeout: 60_000 }, async () => {
    const wrong = await refusedStart(['--store', `etcd://root@${etcd.endpoint}`], {
      FLYLIGHT_ETCD_PASSWORD: 'not-the-password',
    });
    expect(wrong).toMatch(/etcd refused user 'root'/);
    expect(wrong).not.toContain(PASSWORD);
    // Without a user, an etcd with auth on refuses the host's requests.
    const anonymous = await refusedStart(['--store', `etcd://${etcd.endpoint}`]);
    expect(anonymous).toMatch(/exited with [1-9]/);
    expect(anonymous).toContain('has auth enabled and this host gave no user: give --etcd-user');
  });
});
