// Packaging: `npm run dist` (scripts/dist.js) turns the built app in out/ into one file per
// platform — a Linux AppImage, a macOS dmg, a Windows portable exe — with electron-builder.
// test/unit/packaging-config.test.ts validates this file with electron-builder's own schema and
// checks that every file the built main process loads at run time is packed, and unpacked
// where it has to be a real file on disk.

/** @type {import('electron-builder').Configuration} */
export default {
  appId: 'dev.flylight.desktop',
  productName: 'Flylight',
  copyright: 'MIT licensed',
  directories: { output: 'dist', buildResources: 'build' },
  artifactName: 'Flylight-${version}-${os}-${arch}.${ext}',

  // What the app loads at run time, and nothing else: Vite has already bundled the renderer's
  // libraries, so of node_modules only the `dependencies` the main process and the workers
  // import (lmdb, papaparse, prom-client, etcd3, cockatiel and theirs) are shipped, as electron-builder does.
  files: ['package.json', 'out/main/**', 'out/preload/**', 'out/renderer/**', 'resources/regions.csv', 'resources/scenarios/**', '!**/*.map'],

  asar: true,
  // Unpacked from app.asar into app.asar.unpacked, as real files:
  // - native addons: the OS loader (dlopen) cannot read inside an archive, so Electron's docs
  //   ("ASAR Archives" › "Executing binaries inside ASAR archive" and "Adding unpacked files")
  //   ask for them to be unpacked; lmdb's prebuilt N-API binary is one;
  // - the worker threads, the chunks they import, and the packages they import: Electron made
  //   asar readable from worker threads only in 18 (electron/electron#33216, after #22446
  //   "Unable to use files from app.asar in worker_threads"), for CommonJS require and fs; our
  //   workers are ES modules, for which Electron documents no asar support. So the host hands
  //   each worker its path under app.asar.unpacked (src/main/host/asar.ts), and a worker's
  //   bare `import 'lmdb'` resolves in app.asar.unpacked/node_modules;
  // - what the workers read by path: the regions CSV (store) and the dashboard that the
  //   proxy serves to browsers.
  // The main entry and the preload stay inside app.asar, which the fuses below pin.
  // package.json stays inside too (Electron reads the entry from it), so the unpacked tree gets
  // its own, which says that its .js files are ES modules (extraResources below): without it
  // Node would have to guess from the syntax.
  asarUnpack: [
    'out/main/worker-*.js',
    'out/main/chunks/**',
    'out/renderer/**',
    'resources/regions.csv',
    'node_modules/**',
  ],

  extraResources: [{ from: 'build/unpacked-package.json', to: 'app.asar.unpacked/package.json' }],

  // lmdb ships N-API binaries (node.napi.*.node), whose ABI is the same in Node and Electron:
  // nothing to rebuild, so no compiler and no @electron/rebuild (which wants Node 22) needed.
  npmRebuild: false,
  buildDependenciesFromSource: false,

  // Electron fuses, flipped in the packaged binary (Electron's "Electron Fuses" guide and its
  // security checklist): the packaged app cannot be turned into a plain Node (RunAsNode), have
  // code injected through NODE_OPTIONS or --inspect, or load anything but its own checked
  // app.asar; cookies on disk are encrypted with the OS keychain.
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  },

  linux: { target: [{ target: 'AppImage' }], category: 'Development' },
  mac: { target: [{ target: 'dmg' }], category: 'public.app-category.developer-tools' },
  win: { target: [{ target: 'portable' }] },
};
