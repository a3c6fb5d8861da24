// The server's route table, read from `zugong routes` at test time so new routes are covered.
import { runCli } from './server.mjs';

/** [{method, pattern}] of every HTTP route the binary serves. */
export function listRoutes() {
  const r = runCli(['routes']);
  if (r.code !== 0) throw new Error(`zugong routes failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [method, pattern] = l.split(/\s+/);
      return { method, pattern };
    });
}

/** Fills :params of a pattern from `values` (a map name → value, or a function(name)). */
export function fill(pattern, values) {
  return pattern.replace(/:([A-Za-z]+)/g, (_, name) => {
    const v = typeof values === 'function' ? values(name) : values[name];
    if (v === undefined) throw new Error(`no value for :${name} in ${pattern}`);
    return encodeURIComponent(String(v));
  });
}

// Routes without a session by design: the login, the public receipt of a transfer letter (no
// ambient authority: it acts only with the code and the check part printed on the letter) and a
// branch's public page (read-only, by its unguessable token).
export const PUBLIC_ROUTES = new Set([
  'POST /api/auth/login',
  'GET /api/public/transfers/:code',
  'POST /api/public/transfers/:code/receipt',
  'GET /api/public/branches/:token',
  'GET /api/public/problems/challenge',
  'GET /api/public/problems/cards/:token',
  'POST /api/public/problems',
  'GET /api/public/problems/:number',
  'POST /api/public/problems/:number/rate',
]);
