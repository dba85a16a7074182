#!/usr/bin/env node
// `run-matrix …` is `agentab run-matrix …`.
import { launch } from './launch.js';
await launch([process.argv[0], process.argv[1], 'run-matrix', ...process.argv.slice(2)]);
