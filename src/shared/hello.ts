// The host's proof of identity, asked for by the CLI before it sends the API token anywhere:
// `GET /v1/hello?nonce=<client nonce>` answers `{server_nonce, proof}` where proof is
// HMAC-SHA256(token, helloMessage(port, client nonce, server nonce)), base64url. Only a server
// that holds the token can answer; the client's fresh nonce stops replays, the server's own
// nonce stops a caller from choosing the whole MACed message, and the port the client dialled
// is in the message, so a squatter relaying the question to the real host on another port
// gets an answer that fails the check.

//
// The client may add `client_proof` = HMAC-SHA256(token, clientMessage(port, client nonce)): a
// holder of the token asking. Such a hello is not metered with strangers' requests, so a flood
// of anonymous requests cannot keep the CLI from starting. It proves nothing the server needs
// to keep secret (replayed, it buys one more hello), and tells a squatter nothing about the token.

export const HELLO_PATH = '/v1/hello';
/** At least 128 bits of base64url. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;
const PROOF_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function helloMessage(port: number, clientNonce: string, serverNonce: string): string {
  return `flylight-hello/1\n${port}\n${clientNonce}\n${serverNonce}`;
}

export function clientMessage(port: number, clientNonce: string): string {
  return `flylight-hello-client/1\n${port}\n${clientNonce}`;
}

export interface HelloAnswer {
  server_nonce: string;
  proof: string;
}

/** The answer's fields, or a sentence saying what is wrong with it. */
export function readHello(body: unknown): HelloAnswer | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'its answer is not a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.server_nonce !== 'string' || !NONCE_PATTERN.test(b.server_nonce))
    return 'its answer has no valid server_nonce';
  if (typeof b.proof !== 'string' || !PROOF_PATTERN.test(b.proof)) return 'its answer has no valid proof';
  return { server_nonce: b.server_nonce, proof: b.proof };
}

/** The port a URL dials: explicit, or the scheme's default. */
export function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
