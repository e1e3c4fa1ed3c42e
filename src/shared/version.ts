// Kept equal to package.json's version (a unit test checks), so no thread reads package.json.
export const VERSION = '0.1.0';
