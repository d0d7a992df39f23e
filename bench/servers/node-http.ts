/** @module Peer 1: bare `node:http` answering a small JSON — the ceiling every ratio is measured against. */
import { createServer } from 'node:http';
import { exitOnSignal, HOST, listenPort } from './exit-on-signal.ts';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ hello: 'world' }));
});
server.listen(listenPort(), HOST);
exitOnSignal();
