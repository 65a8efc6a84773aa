#!/usr/bin/env node
// Runs bench/kernel-variants.ts in Node through Vite's SSR loader (no build step).
// Usage: node bench/kernel-variants.mjs [--size gpu|small] [--reps N] [--hardware] [--force]
import { runMain } from './ssr-main.mjs';

await runMain('/bench/kernel-variants.ts');
