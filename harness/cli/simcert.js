#!/usr/bin/env node
// Entry point of the `simcert` command: runs the TypeScript CLI with no build step of the user's. bundle.js loads it
// from a bundle it keeps up to date by itself (or through tsx when bundling is off or unavailable).
import { loadMain } from './bundle.js';

const main = await loadMain();
process.exitCode = await main(process.argv);
