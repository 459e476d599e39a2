import { afterAll, afterEach } from 'vitest';
import { killChildren } from './helpers/children.js';

// Runs in every test file (vitest setupFiles): no child process started through spawnChild outlives its test, or,
// when a beforeAll started it, its file.
afterEach(async (context) => {
  await killChildren(context.task);
});
afterAll(async () => {
  await killChildren('all');
});
