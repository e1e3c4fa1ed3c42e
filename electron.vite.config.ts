import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// One build for every part: the main bundle holds the Electron entry AND the CLI entry (both
// reach the same host and worker chunks via `?modulePath`), so the headless host runs the very
// code the desktop app runs.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/cli/index.ts'),
          // What the one-file CLI (scripts/build-cli.js, out/cli/flylight.js) loads from here.
          'cli-serve': resolve(__dirname, 'src/cli/serve.ts'),
          'cli-gen-fleet': resolve(__dirname, 'src/cli/gen-fleet.ts'),
          host: resolve(__dirname, 'src/main/host/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // sandbox: true needs a CommonJS preload.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      outDir: 'out/renderer',
      // electron-vite leaves the renderer unminified (it loads from disk); `flylight serve`
      // sends the same files to browsers, so make them small.
      minify: true,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/renderer/index.html') },
        output: {
          // Libraries in their own chunks: they change less often than the app, so a rebuild
          // leaves their hashed names (and the browser's cached copies) alone.
          manualChunks(id: string) {
            if (!id.includes('node_modules')) return undefined;
            if (id.includes('@xterm')) return 'xterm';
            if (/node_modules\/(react|react-dom|scheduler)\//.test(id)) return 'react';
            return 'vendor';
          },
        },
      },
    },
    plugins: [react()],
  },
});
