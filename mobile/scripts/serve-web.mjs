// Serves the app's web build (dist/, `expo export -p web`) with the API and the local Razorpay
// sandbox on the same origin, as the app on the web expects them (src/config.ts): `/api/*` goes to
// API_URL (prefix removed), WebSocket upgrades too (the chat socket, `/api/socket.io/`),
// `/__sandbox/*` to RAZORPAY_SANDBOX_URL when set; any other path is a file of the build, or
// index.html (the router draws the page). Same origin, so the API needs no CORS.
// Usage: API_URL=http://127.0.0.1:3000 [RAZORPAY_SANDBOX_URL=…] [WEB_HOST=127.0.0.1] [WEB_PORT=8081]
//        node scripts/serve-web.mjs
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('../dist/', import.meta.url));
const api = new URL(process.env.API_URL ?? 'http://127.0.0.1:3000');
const sandbox = process.env.RAZORPAY_SANDBOX_URL ? new URL(process.env.RAZORPAY_SANDBOX_URL) : null;
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.css': 'text/css',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
};

function proxy(req, res, target, path) {
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    res.writeHead(502, { 'content-type': 'application/problem+json' });
    res.end(
      JSON.stringify({ title: 'Bad gateway', status: 502, code: 'web/upstream-unreachable' }),
    );
  });
  req.pipe(upstream);
}

function file(res, path) {
  const safe = normalize(join(root, decodeURIComponent(path)));
  const found = safe.startsWith(root) && existsSync(safe) && statSync(safe).isFile();
  const served = found ? safe : join(root, 'index.html');
  res.writeHead(200, {
    'content-type': types[extname(served)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
  });
  createReadStream(served).pipe(res);
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/api/')) return proxy(req, res, api, url.slice(4));
  if (sandbox && url.startsWith('/__sandbox/')) return proxy(req, res, sandbox, url);
  return file(res, url.split('?')[0]);
});
// A WebSocket upgrade under /api/ (the chat socket) is passed to the API as it came, prefix removed,
// then the two connections are joined.
server.on('upgrade', (req, socket, head) => {
  const url = req.url ?? '/';
  if (!url.startsWith('/api/')) return socket.destroy();
  const upstream = connect(Number(api.port || 80), api.hostname, () => {
    const lines = [`${req.method} ${url.slice(4)} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
});
const host = process.env.WEB_HOST ?? '127.0.0.1';
const port = Number(process.env.WEB_PORT ?? 8081);
server.listen(port, host, () =>
  console.log(`app (web) on http://${host}:${port}, API ${api.origin}`),
);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => server.close(() => process.exit(0)));
