/** @module Peer 2: bare Hono on @hono/node-server, the host Portcullis runs on. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { exitOnSignal, HOST, listenPort } from './exit-on-signal.ts';

const app = new Hono();
app.get('/', (c) => c.json({ hello: 'world' }));
serve({ fetch: app.fetch, port: listenPort(), hostname: HOST });
exitOnSignal();
