#!/usr/bin/env node
// `run-matrix …` is `agentab run-matrix …`.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main([process.argv[0], process.argv[1], 'run-matrix', ...process.argv.slice(2)]);
