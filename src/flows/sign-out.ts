/** @module Logout deletes the server-side session: the cookie is dead everywhere at once. */
import type { ClientInfo } from '../core/request-context.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';

export async function signOut(kernel: Kernel, principal: Principal | null, client: ClientInfo): Promise<void> {
  if (!principal?.session) return;
  await kernel.stores.sessions.deleteSession(principal.session.id);
  kernel.emit({ type: 'logout', userId: principal.user.id, ...origin(client), atMs: kernel.clock.nowMs() });
}
