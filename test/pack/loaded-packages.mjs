// Usage: node [--import tsx] loaded-packages.mjs SPECIFIER… — imports each specifier (resolved from this
// file's folder) and prints, as one JSON line, the npm packages that were loaded meanwhile: every
// URL Node's ESM resolver returned (a resolve hook, registered first) and every file CommonJS
// `require` loaded (require.cache — drivers are loaded with createRequire, which the hook does not see).
// test/pack copies it into the installed project to check what `import 'portcullis'` loads.
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const HOOK = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}`;
const { port1, port2 } = new MessageChannel();
const urls = new Set();
port1.on('message', (url) => urls.add(url));
port1.unref();
register(`data:text/javascript,${encodeURIComponent(HOOK)}`, { data: { port: port2 }, transferList: [port2] });

for (const specifier of process.argv.slice(2)) await import(specifier);
// The hook runs on its own thread: let its last messages arrive.
await new Promise((done) => setTimeout(done, 200));
const files = [...urls, ...Object.keys(createRequire(import.meta.url).cache)];
const packages = new Set(files.map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]).filter(Boolean));
console.log(JSON.stringify({ packages: [...packages].sort() }));
