/** @module The shared adapter suite against examples/hono-app.ts on a real socket. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { AuthError, type Auth } from '../../src/index.ts';
import { createApp } from '../../examples/hono-app.ts';
import { EXTRA_ROUTES, runSharedSuite, type RunningApp } from './shared-suite.ts';

function startHonoExample(auth: Auth): Promise<RunningApp> {
  const app = createApp(auth, (app, pc) => {
    app.get(EXTRA_ROUTES.roleOnly, pc.roles('admin'), (c) => c.json({ ok: true }));
    app.get(EXTRA_ROUTES.appError, () => {
      throw new AuthError('INVALID_INPUT', { message: 'Bad widget', fields: { widget: 'Widget is required' } });
    });
    app.get(EXTRA_ROUTES.boom, () => {
      throw new Error('boom');
    });
    let ran = 0;
    app.use('/identified/*', async (c, next) => {
      await pc.identify(c);
      await next();
    });
    app.get(EXTRA_ROUTES.identifiedRoleOnly, (c) => c.json({ ran }));
    app.post(EXTRA_ROUTES.identifiedRoleOnly, pc.roles('admin'), (c) => c.json({ ran: ++ran }));
  });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

runSharedSuite('hono', startHonoExample);
