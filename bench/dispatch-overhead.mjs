#!/usr/bin/env node
// Runs bench/dispatch-overhead.ts in Node through Vite's SSR loader (no build step).
// Usage: node bench/dispatch-overhead.mjs [--reps N] [--hardware] [--no-model]
import { runMain } from './ssr-main.mjs';

await runMain('/bench/dispatch-overhead.ts');
