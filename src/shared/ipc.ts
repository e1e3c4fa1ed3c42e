// Electron IPC channel names: one invoke channel for every API call, one push channel each for
// store events and worker states. Shared so main and preload cannot drift apart.
export const IPC = {
  request: 'flylight:request',
  event: 'flylight:event',
  workers: 'flylight:workers',
} as const;
