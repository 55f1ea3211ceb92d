#!/usr/bin/env node
// The itonami command: runs src/cli/main.ts through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
