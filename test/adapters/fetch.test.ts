/**
 * @module The shared adapter suite against the bare `handler(auth)` (examples/fetch-app.ts): no
 * framework, node:http through a Request/Response bridge — the same answers as every adapter.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, http, type Auth } from '../../src/index.ts';
import { createApp, nodeListener } from '../../examples/fetch-app.ts';
import { EXTRA_ROUTES, runSharedSuite, type RunningApp } from './shared-suite.ts';

function startFetchExample(auth: Auth): Promise<RunningApp> {
  const fetch = createApp(auth, (add) => {
    add('GET', EXTRA_ROUTES.roleOnly, http.roles('admin'), () => Response.json({ ok: true }));
    add('GET', EXTRA_ROUTES.appError, () => {
      throw new AuthError('INVALID_INPUT', { message: 'Bad widget', fields: { widget: 'Widget is required' } });
    });
    add('GET', EXTRA_ROUTES.boom, () => {
      throw new Error('boom');
    });
    let ran = 0;
    const layout: http.Guard = async (_request, state) => {
      await http.identify(state);
      return undefined;
    };
    add('GET', EXTRA_ROUTES.identifiedRoleOnly, () => Response.json({ ran }));
    add('POST', EXTRA_ROUTES.identifiedRoleOnly, layout, http.roles('admin'), () => Response.json({ ran: ++ran }));
  });
  const server = createServer(nodeListener(fetch));
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

runSharedSuite('fetch handler on node:http', startFetchExample);
