// etcd as a cluster across computers runs it: clients over TLS with certificates signed by the
// cluster's own CA (`--client-cert-auth`), or with auth enabled (users and passwords). The
// certificates are made here with openssl (Debian's `openssl`; .ci/run installs it when missing)
// for 127.0.0.1, in a temporary directory, valid for a day.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3, type IOptions } from 'etcd3';
import { freePort } from './etcd';
import { etcdBinary } from './etcd-finder';

export interface Certs {
  dir: string;
  ca: string;
  /** A client certificate and key signed by `ca`. */
  cert: string;
  key: string;
  /** A client certificate and key signed by another CA (the cluster must refuse it). */
  strangerCert: string;
  strangerKey: string;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('no openssl for the TLS tests: `sudo apt-get install -y openssl`');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

/** A CA, a server certificate for 127.0.0.1, a client certificate, and one from a stranger CA. */
export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'flylight-etcd-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) =>
    openssl(dir, [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    ]);
  const signed = (name: string, by: string, usage: string) => {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=IP:127.0.0.1\nextendedKeyUsage=${usage}\n`);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${by}.pem`,
      '-CAkey',
      `${by}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    ]);
  };
  ca('ca');
  ca('stranger-ca');
  signed('server', 'ca', 'serverAuth,clientAuth');
  signed('client', 'ca', 'clientAuth');
  signed('stranger', 'stranger-ca', 'clientAuth');
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p('ca.pem'),
    cert: p('client.pem'),
    key: p('client.key'),
    strangerCert: p('stranger.pem'),
    strangerKey: p('stranger.key'),
  };
}

export interface SecureEtcd {
  /** `host:port`, for `--store etcd+https://…` or `etcd://…`. */
  endpoint: string;
  /** A client that may do anything (root, when auth is on). */
  client: Etcd3;
  stop(): Promise<void>;
}

/**
 * One etcd member: with `certs`, clients only over TLS with a certificate the CA signed; with
 * `root`, auth enabled with user root and that password. Resolves once it answers a status call.
 */
export async function startSecureEtcd(opts: { certs?: Certs; root?: string }): Promise<SecureEtcd> {
  const root = mkdtempSync(join(tmpdir(), 'flylight-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const scheme = opts.certs ? 'https' : 'http';
  const clientUrl = `${scheme}://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const tls = opts.certs
    ? [
        `--cert-file=${join(opts.certs.dir, 'server.pem')}`,
        `--key-file=${join(opts.certs.dir, 'server.key')}`,
        `--trusted-ca-file=${opts.certs.ca}`,
        '--client-cert-auth',
      ]
    : [];
  const proc: ChildProcess = spawn(
    etcdBinary(),
    [
      '--name=s0',
      `--data-dir=${join(root, 'data')}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=s0=${peerUrl}`,
      '--log-level=error',
      '--logger=zap',
      ...tls,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const options: IOptions = { hosts: [clientUrl] };
  if (opts.certs) {
    options.credentials = {
      rootCertificate: readFileSync(opts.certs.ca),
      certChain: readFileSync(opts.certs.cert),
      privateKey: readFileSync(opts.certs.key),
    };
  }
  let admin = new Etcd3(options);
  const stop = async () => {
    admin.close();
    proc.kill('SIGKILL');
    await exited;
    rmSync(root, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await admin.maintenance.status({ deadline: Date.now() + 1000 });
      break;
    } catch (err) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`etcd (${scheme}) did not start: ${(err as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (opts.root !== undefined) {
    await admin.role('root').create();
    await admin.user('root').create(opts.root);
    await admin.user('root').addRole('root');
    await admin.auth.authEnable();
    admin.close();
    admin = new Etcd3({ ...options, auth: { username: 'root', password: opts.root } });
  }
  return { endpoint: `127.0.0.1:${client}`, client: admin, stop };
}
