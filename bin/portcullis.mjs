#!/usr/bin/env node
// `npx portcullis …`: the CLI is TypeScript; tsx (a dependency) loads it without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
