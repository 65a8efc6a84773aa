#!/usr/bin/env node
// Runs bench/cpu-backend.ts in Node through Vite's SSR loader (no build step).
// Usage: node bench/cpu-backend.mjs [--reps N] [--warm] [--threads N] [--opt all|basic|disabled] [--tile N] [--no-webgpu] [--hardware]
import { runMain } from './ssr-main.mjs';

await runMain('/bench/cpu-backend.ts');
