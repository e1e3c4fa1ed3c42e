// `flylight token`: prints the API token for scripts; `--rotate` replaces it (the old token
// stops working and every browser dashboard is signed out) and prints the new one.

import { UsageError } from './grammar';
import { type CommandEnv, type CommandIO, EXIT } from './run';

export async function tokenCommand(ctx: {
  env: CommandEnv;
  io: CommandIO;
  flags: Record<string, unknown>;
}): Promise<number> {
  const { env, io, flags } = ctx;
  if (env.where === 'console' || !env.auth) {
    io.err(
      'error: token is not available in the console: this window needs no token (run `flylight token` in a terminal)',
    );
    return EXIT.failed;
  }
  if (flags.token !== undefined) {
    throw new UsageError(`token prints the token stored in ${env.auth.file}; it takes no --token`, 'token');
  }
  if (flags.rotate === true) {
    if (!env.auth.rotate) throw new UsageError('this build cannot rotate the token', 'token');
    const { token, via } = await env.auth.rotate();
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
    io.err(`error: no token yet: start Flylight once (\`npm start\` or \`flylight serve\`) to create ${env.auth.file}`);
    return EXIT.failed;
  }
  io.out(stored);
  return EXIT.ok;
}
