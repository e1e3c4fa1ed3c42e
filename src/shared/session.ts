// How a browser dashboard proves it may use the API. Not a cookie: browsers send cookies to
// every port of 127.0.0.1 and let any local page set them, so a cookie would be a credential
// for every local web page. The dashboard trades the token once (`POST /v1/session` with
// `Authorization: Bearer <token>`) for a session secret, keeps it in localStorage (which is
// per scheme, host and port: no other page can read it) and sends it in a header that no
// other origin can attach (a custom header needs a CORS preflight, which the proxy never grants).

/** The request header that carries a dashboard session. */
export const SESSION_HEADER = 'x-flylight-session';

/** Where the dashboard keeps its session (localStorage of this origin). */
export const SESSION_STORAGE_KEY = 'flylight.session';

/** The answer to `POST /v1/session`. */
export interface SessionGrant {
  session: string;
  /** RFC 3339: after this the session is refused and the page asks for the token again. */
  expires_at: string;
}

/** The answer to `POST /v1/token/rotate`: the new token (the old one and every session are void). */
export interface TokenRotation {
  token: string;
}
