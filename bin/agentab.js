#!/usr/bin/env node
// The compiled CLI when dist/ matches src/, else the sources through tsx (bin/launch.js).
import { launch } from './launch.js';
await launch(process.argv);
