// Two `zugong serve` processes on one database behind nginx (round robin), for the tests of
// issue 5 item 5: a session made on one works on the other, edits are version-checked across
// them, and a mixed load through the balancer finishes without errors.
//
// startCluster() starts the first server through startServer() (fresh database, migrated,
// demo), a second `serve` on the same database and data key, and Debian's nginx with a config
// in the first server's temp dir, listening on 127.0.0.1 (free port). nginx adds the header
// `X-Upstream` (the address of the server that answered) so a test can prove which one it hit.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer, zugongBin } from './server.mjs';

export const NGINX = process.env.ZUGONG_NGINX || '/usr/sbin/nginx';

export function nginxAvailable() {
  return existsSync(NGINX) && spawnSync(NGINX, ['-v']).status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function waitFor(url, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`not answering: ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopProc(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode) return Promise.resolve();
  const exited = new Promise((res) => proc.once('exit', res));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
  return exited.finally(() => clearTimeout(t));
}

/** nginx config text: round robin over `upstreams` (host:port), listening on 127.0.0.1:port. */
export function nginxConfig({ dir, port, upstreams, web }) {
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const statics = web
    ? `    root ${web};
    location / { try_files $uri /index.html; }
    location /assets/ { expires max; }
`
    : '';
  return `${user}worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx.err warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-body; proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fcgi; uwsgi_temp_path ${dir}/nginx-uwsgi; scgi_temp_path ${dir}/nginx-scgi;
  include /etc/nginx/mime.types;
  client_max_body_size 25m;
  upstream zugong {
${upstreams.map((u) => `    server ${u} max_fails=0;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
${statics}    location /api/ {
      proxy_pass http://zugong;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream off;
      proxy_read_timeout 300s;
      add_header X-Upstream $upstream_addr always;
    }
    location = /healthz { proxy_pass http://zugong; add_header X-Upstream $upstream_addr always; }
  }
}
`;
}

/**
 * Starts two servers on one fresh database and nginx in front. Returns
 * {url (nginx), a, b (the servers' own base URLs), upstreams, backend, cli, stop()}.
 */
export async function startCluster(opts = {}) {
  // Both servers believe nginx's X-Forwarded-For (it runs on 127.0.0.1).
  const env = { ...(opts.env ?? {}), ZUGONG_TRUSTED_PROXIES: '127.0.0.1' };
  const first = await startServer({ ...opts, env });
  const procs = [];
  try {
    const bPort = await freePort();
    const args = ['--db', first.db, '--data-key-file', first.keyFile, 'serve', '--host', '127.0.0.1', '--port',
      String(bPort), '--quiet'];
    const b = spawn(zugongBin, args, { cwd: first.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    b.stderr.resume();
    procs.push(b);
    const bUrl = `http://127.0.0.1:${bPort}`;
    await waitFor(bUrl + '/healthz');

    const port = await freePort();
    const upstreams = [first.url.replace(/^http:\/\//, ''), `127.0.0.1:${bPort}`];
    const conf = path.join(first.dir, 'nginx.conf');
    writeFileSync(conf, nginxConfig({ dir: first.dir, port, upstreams, web: opts.web }));
    const ng = spawn(NGINX, ['-p', first.dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let ngErr = '';
    ng.stderr.on('data', (d) => (ngErr += d));
    procs.push(ng);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(url + '/healthz').catch((e) => {
      throw new Error(`${e.message}\n${ngErr}`);
    });
    const stop = async () => {
      for (const p of procs.reverse()) await stopProc(p);
      await first.stop();
    };
    return { url, a: first.url, b: bUrl, upstreams, backend: first.backend, cli: first.cli, db: first.db, stop };
  } catch (e) {
    for (const p of procs) await stopProc(p);
    await first.stop();
    throw e;
  }
}
