// How a failed command is worded: one line, saying what to do next. The proxy's own messages
// are for any client; these know how this command line reaches the API and with which token.

import type { CommandEnv } from './env';

/** A message on one line, whatever line breaks the text it came from held. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Nothing answers at the API address; in a terminal (which has --api) say how to point elsewhere. */
export function nothingListening(env: Pick<CommandEnv, 'apiUrl' | 'auth'>): string {
  const hint = env.auth ? ' (or pass --api URL)' : '';
  return `nothing is listening at ${env.apiUrl} — start Flylight with \`npm start\` or \`flylight serve\`${hint}`;
}

/** One line for a 401: which token was refused and how to get the right one. Never the token. */
export function tokenRefused(env: Pick<CommandEnv, 'auth' | 'apiUrl'>): string {
  const how = '`flylight token` prints the right one';
  const auth = env.auth;
  if (!auth) {
    return "the API refused this page's session: open the dashboard link that `flylight serve` prints, or run `flylight token` in a terminal";
  }
  switch (auth.source) {
    case 'flag':
      return `the API refused the token given with --token: ${how}`;
    case 'env':
      return `the API refused the token in FLYLIGHT_TOKEN: ${how}`;
    case 'file':
      return `the API refused the token in ${auth.file}: is ${env.apiUrl} another Flylight? Pass its token with --token or FLYLIGHT_TOKEN (\`flylight token\` prints it on that host)`;
    default:
      if (auth.withheld) {
        return `the API needs a token: the one in ${auth.file} is sent only to this computer's own addresses, so pass the token of ${env.apiUrl} with --token or FLYLIGHT_TOKEN`;
      }
      return `the API needs a token and none was found: start Flylight once (\`npm start\` or \`flylight serve\`) to create ${auth.file}, or pass one with --token or FLYLIGHT_TOKEN`;
  }
}
