import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/chromium';
import { findElectron } from './scripts/electron-binary.js';

// Said once, where the run starts: the Electron project is skipped, and why.
const electron = findElectron();
if ('why' in electron && !process.env.TEST_WORKER_INDEX) console.log(`Electron e2e skipped: ${electron.why}`);

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: { trace: 'off', screenshot: 'only-on-failure' },
  projects: [
    {
      name: 'chromium',
      testIgnore: '**/electron.spec.ts',
      use: {
        launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
        viewport: { width: 1440, height: 900 },
      },
    },
    { name: 'electron', testMatch: '**/electron.spec.ts' },
  ],
});
