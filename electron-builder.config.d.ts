// Types for electron-builder.config.js (plain JS so that `node scripts/dist.js` can import it).
import type { Configuration } from 'electron-builder';

declare const config: Configuration;
export default config;
