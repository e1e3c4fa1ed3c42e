// The commands only a terminal can run: `token` needs the CLI's token file, `serve` needs Node
// to run the host. Where the environment has neither (the console pane) they say so.

import { type CommandRunner, numberFlag, print, textFlag } from '../context';
import { EXIT, type ServeFlags } from '../env';
import { jsonLines } from '../json-lines';
import { CommandFailure, UsageError } from '../usage-error';

/** Prints the API token for scripts; --rotate replaces it (the old one stops working) and prints the new one. */
export const token: CommandRunner = async ({ env, io, flags, json }) => {
  if (!env.auth) {
    throw new CommandFailure(
      'terminal_only',
      'token is not available in the console: this window needs no token (run `flylight token` in a terminal)',
    );
  }
  if (flags.token !== undefined) {
    throw new UsageError(`token prints the token stored in ${env.auth.file}; it takes no --token`, 'token');
  }
  if (flags.rotate === true) {
    if (!env.auth.rotate) throw new UsageError('this build cannot rotate the token', 'token');
    const { token, via } = await env.auth.rotate();
    if (json) return print(io, jsonLines({ token, rotated: true, via }));
    io.out(token);
    io.err(
      via === 'host'
        ? 'Rotated: the old token no longer works and every browser dashboard is signed out (open the new link or paste this token).'
        : `No host answered at ${env.apiUrl}: wrote a new token to ${env.auth.file}. A host running elsewhere keeps the old token until it restarts.`,
    );
    return EXIT.ok;
  }
  const stored = env.auth.stored();
  if (stored === null) {
    throw new CommandFailure(
      'no_token',
      `no token yet: start Flylight once (\`npm start\` or \`flylight serve\`) to create ${env.auth.file}`,
    );
  }
  if (json) return print(io, jsonLines({ token: stored, file: env.auth.file }));
  io.out(stored);
  return EXIT.ok;
};

export const serve: CommandRunner = ({ env, io, flags }) => {
  if (!env.serve) {
    throw new CommandFailure('terminal_only', 'serve is only available from a terminal: run `flylight serve` there');
  }
  if (flags.token !== undefined) {
    throw new UsageError(
      'serve takes no --token: it uses the token in the config directory, creating it on first start (`flylight token` prints it)',
      'serve',
    );
  }
  return env.serve(
    {
      port: numberFlag(flags, 'port'),
      host: textFlag(flags, 'listen'),
      regions: textFlag(flags, 'regions'),
      flydIntervalMs: numberFlag(flags, 'flyd-interval'),
      dataDir: textFlag(flags, 'data-dir'),
      ephemeral: flags.ephemeral === true ? true : undefined,
      seed: numberFlag(flags, 'seed'),
      compatOpen: flags['compat-open'] === true ? true : undefined,
      rateLimit: numberFlag(flags, 'rate-limit'),
      strategy: textFlag(flags, 'strategy') as ServeFlags['strategy'],
      store: textFlag(flags, 'store'),
      etcdCacert: textFlag(flags, 'etcd-cacert'),
      etcdCert: textFlag(flags, 'etcd-cert'),
      etcdKey: textFlag(flags, 'etcd-key'),
      etcdUser: textFlag(flags, 'etcd-user'),
      leaseTtlS: numberFlag(flags, 'lease-ttl'),
      timing: textFlag(flags, 'timing'),
      speed: textFlag(flags, 'speed'),
      scenario: textFlag(flags, 'scenario'),
      json: flags.json === true ? true : undefined,
    },
    io,
  );
};
