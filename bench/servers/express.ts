/** @module Peer 3: bare Express 5. */
import express from 'express';
import { exitOnSignal, HOST, listenPort } from './exit-on-signal.ts';

const app = express();
app.get('/', (_req, res) => {
  res.json({ hello: 'world' });
});
app.listen(listenPort(), HOST);
exitOnSignal();
