import type { FlylightBridge } from '../../shared/bridge';

declare global {
  interface Window {
    /** Present only in the Electron window (exposed by the preload). */
    flylight?: FlylightBridge;
  }
}
