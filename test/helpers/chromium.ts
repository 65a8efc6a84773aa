/** The browser tests' Chromium: the benchmark's launcher (bench/chromium.ts), one copy of the flags. */
export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from '../../bench/chromium.js';
