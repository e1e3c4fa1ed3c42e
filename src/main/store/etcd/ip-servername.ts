// grpc-js names every TLS peer by its host, an IP address included, and Node then warns once per
// thread that an IP as TLS server name is deprecated (DEP0123). The name is only SNI, which etcd
// ignores; the certificate is still checked against the IP (its subjectAltName). So a host whose
// `--store etcd+https://` gives IP endpoints would print a DeprecationWarning at every start that
// the user can do nothing about. This thread drops that one warning and no other.

let quieted = false;

/** Drops Node's DEP0123 warning in this thread (idempotent). */
export function quietIpServername(): void {
  if (quieted) return;
  quieted = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const opts = rest[0];
    const code = typeof opts === 'object' && opts !== null ? (opts as { code?: unknown }).code : rest[1];
    if (code === 'DEP0123') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
