/** @module The shared adapter suite against examples/fastify-app.ts on a real socket. */
import type { AddressInfo } from 'node:net';
import { AuthError, type Auth } from '../../src/index.ts';
import { createApp } from '../../examples/fastify-app.ts';
import { EXTRA_ROUTES, runSharedSuite, type RunningApp } from './shared-suite.ts';

async function startFastifyExample(auth: Auth): Promise<RunningApp> {
  const app = await createApp(auth, (app, pc) => {
    app.get(EXTRA_ROUTES.roleOnly, { preHandler: [pc.roles('admin')] }, async () => ({ ok: true }));
    app.get(EXTRA_ROUTES.appError, async () => {
      throw new AuthError('INVALID_INPUT', { message: 'Bad widget', fields: { widget: 'Widget is required' } });
    });
    app.get(EXTRA_ROUTES.boom, async () => {
      throw new Error('boom');
    });
    let ran = 0;
    app.register(async (identified) => {
      identified.addHook('preHandler', async (request) => {
        await pc.identify(request);
      });
      identified.get(EXTRA_ROUTES.identifiedRoleOnly, async () => ({ ran }));
      identified.post(EXTRA_ROUTES.identifiedRoleOnly, { preHandler: [pc.roles('admin')] }, async () => ({ ran: ++ran }));
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

runSharedSuite('fastify', startFastifyExample);
