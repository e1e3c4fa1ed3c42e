// The host as a library: what the Electron entry, the CLI's `serve` and the integration tests
// import. Built to out/main/host.js so tests drive the very bundle users run.

export { createLogger, type Logger } from '../common/log';
export { builtDashboardDir, defaultConfigDir, defaultDataDir, defaultRegionsFile, packageRoot } from '../common/paths';
export { type RunningHost, startHost } from './host';
export { startErrorMessage } from './start-error';
