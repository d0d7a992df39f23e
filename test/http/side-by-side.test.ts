/**
 * @module HTTP: two reference apps on two fresh databases at the same time (two SQLite files, or
 * two PostgreSQL schemas in one database) — each migrates, serves, and sees only its own users.
 * This is what "a fresh database or schema per run" relies on when test files overlap.
 */
import { afterAll, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from './harness.ts';

const opened: TestApp[] = [];
afterAll(async () => {
  await Promise.all(opened.map((app) => app.dispose()));
});

it('a second app opens while the first is still open, and their data stay apart', async () => {
  const first = await createTestApp();
  opened.push(first);
  const second = await createTestApp();
  opened.push(second);
  const email = uniqueEmail('apart');
  expect((await first.client().register({ email })).res.status).toBe(201);
  expect(await first.userCount()).toBe(1);
  expect(await second.userCount()).toBe(0);
  expect((await second.client().login({ email })).res.status).toBe(401);
  expect((await second.client().register({ email })).res.status).toBe(201);
});
