#!/usr/bin/env node
// `npm run lab`: runs bench/lab.ts in Node through Vite's SSR loader (no build step).
// Usage: npm run lab -- [--steps N] [--seed N] [--channels N] [--patch N] [--batch N] [--lr X] [--reg X] [--methods ID,…] [--hardware]
import { runMain } from './ssr-main.mjs';

await runMain('/bench/lab.ts');
