export function findElectron(env?: NodeJS.ProcessEnv): { binary: string } | { why: string };
