// Module resolution hook (module.register): `import ... from 'electron'` in the built main
// bundle gets the stand-in instead of the npm package (which only exports the binary's path).

let standin = '';

export async function initialize(data: { url: string }): Promise<void> {
  standin = data.url;
}

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(
  specifier: string,
  context: unknown,
  next: Next,
): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === 'electron') return { url: standin, shortCircuit: true };
  return next(specifier, context);
}
