#!/usr/bin/env node
// Runs bench/kernels/winograd.ts in Node through Vite's SSR loader (no build step).
// Usage: node bench/kernels/winograd.mjs [--reps N] [--shapes 64x64@96,…]
import { runMain } from '../ssr-main.mjs';

await runMain('/bench/kernels/winograd.ts');
