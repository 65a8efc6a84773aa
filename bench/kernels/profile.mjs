#!/usr/bin/env node
// Runs bench/kernels/profile.ts in Node through Vite's SSR loader (no build step).
// Usage: node bench/kernels/profile.mjs [--models …] [--size 96] [--winograd off,auto] [--reps 3] [--layers]
import { runMain } from '../ssr-main.mjs';

await runMain('/bench/kernels/profile.ts');
