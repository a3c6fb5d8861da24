// A small HTTP client that keeps the session cookie and sends the CSRF header on changing
// requests, as the browser app does.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from './server.mjs';

export class Client {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
    this.csrf = null;
    this.user = null;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /**
   * request(method, path, {body, json, headers, csrf}) → {status, headers, text, json, buf}.
   * `json` (an object) is sent as JSON; `body` (Buffer/string) is sent raw. csrf:false leaves
   * the X-CSRF-Token header out; a string sends that value instead.
   */
  async request(method, path, { json, body, headers = {}, csrf = true } = {}) {
    const h = { ...headers };
    if (this.cookies.size) h.cookie = this.cookieHeader();
    if (json !== undefined) {
      body = JSON.stringify(json);
      h['content-type'] ??= 'application/json';
    }
    const changing = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    if (changing && csrf !== false) {
      const tok = typeof csrf === 'string' ? csrf : this.csrf;
      if (tok) h['x-csrf-token'] = tok;
    }
    const res = await fetch(this.base + path, { method, headers: h, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i).trim();
      const v = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim())) || v === '';
      if (expired) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    const buf = Buffer.from(await res.arrayBuffer());
    const text = buf.toString('utf8');
    let parsed;
    if ((res.headers.get('content-type') || '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: res.status, headers: res.headers, text, json: parsed, buf };
  }

  get(p, o) {
    return this.request('GET', p, o);
  }
  post(p, json, o = {}) {
    return this.request('POST', p, { json, ...o });
  }
  put(p, json, o = {}) {
    return this.request('PUT', p, { json, ...o });
  }
  del(p, json, o = {}) {
    return this.request('DELETE', p, { json, ...o });
  }

  /** Logs in; asserts success; stores csrf and user. */
  async login(username, password = DEMO_PASSWORD) {
    const r = await this.post('/api/auth/login', { username, password });
    assert.equal(r.status, 200, `login ${username}: ${r.status} ${r.text}`);
    this.csrf = r.json.csrfToken;
    this.user = r.json.user;
    return r;
  }

  /** GET that must answer 200 JSON; returns the parsed body. */
  async ok(p) {
    const r = await this.get(p);
    assert.equal(r.status, 200, `GET ${p}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }
}

/** A logged-in client. */
export async function loginAs(base, username, password = DEMO_PASSWORD) {
  const c = new Client(base);
  await c.login(username, password);
  return c;
}

/** Asserts the documented error shape {code, message, field} and returns the body. */
export function assertError(r, status, { code, field, messageIncludes } = {}) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text.slice(0, 400)}`);
  const b = r.json;
  assert.ok(b && typeof b === 'object', `error body is JSON: ${r.text.slice(0, 200)}`);
  assert.equal(typeof b.code, 'string');
  assert.equal(typeof b.message, 'string');
  assert.equal(typeof b.field, 'string');
  assert.match(b.message, /[\u4e00-\u9fff]/, `message is Chinese: ${b.message}`);
  if (code !== undefined) assert.equal(b.code, code, `code: ${r.text}`);
  if (field !== undefined) assert.equal(b.field, field, `field: ${r.text}`);
  if (messageIncludes) assert.ok(b.message.includes(messageIncludes), `message "${b.message}" includes "${messageIncludes}"`);
  return b;
}
