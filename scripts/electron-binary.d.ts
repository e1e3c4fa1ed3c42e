/** The project this script belongs to: `npm start` runs the app from here. */
export const projectRoot: string;
/** Where the Electron binary is, or one line saying why it cannot run here. */
export function findElectron(env?: NodeJS.ProcessEnv): { binary: string } | { why: string };
