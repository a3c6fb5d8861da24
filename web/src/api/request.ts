// The one HTTP client of the application. Every call to the server goes through request():
//  - the session cookie travels with credentials 'same-origin';
//  - every non-GET request carries X-CSRF-Token from the session store;
//  - an error answer {code, message, field} becomes a thrown ApiError;
//  - a 401 clears the session and sends the user to /login (unless the caller opts out).
import { session } from '@/stores/session'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string

  constructor(status: number, code: string, message: string, field = '') {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError
}

type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  /** A JSON-serializable value, or a Blob/File sent as a raw octet stream. */
  body?: unknown
  /** Do not redirect to /login on 401 (the login page and the route guard handle it). */
  noAuthRedirect?: boolean
  signal?: AbortSignal
}

let onUnauthenticated: (() => void) | null = null

/** The router registers what to do when the server says the session is gone. */
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn
}

export function buildUrl(path: string, query?: Query): string {
  const url = path.startsWith('/') ? path : `/api/${path}`
  if (!query) return url
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    params.append(k, String(v))
  }
  const s = params.toString()
  return s ? `${url}?${s}` : url
}

async function toApiError(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status
  let message = res.statusText || `HTTP ${res.status}`
  let field = ''
  try {
    const text = await res.text()
    if (text) {
      const data = JSON.parse(text) as { code?: string; message?: string; field?: string }
      if (data.code) code = data.code
      if (data.message) message = data.message
      if (data.field) field = data.field
    }
  } catch {
    // a non-JSON error body (a proxy page, say): keep the status text
  }
  return new ApiError(res.status, code, message, field)
}

async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (opts.body instanceof Blob) {
    headers['Content-Type'] = 'application/octet-stream'
    body = opts.body
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (method !== 'GET' && method !== 'HEAD' && session.csrfToken) {
    headers['X-CSRF-Token'] = session.csrfToken
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, 'network', '')
  }
  if (!res.ok) {
    const err = await toApiError(res)
    if (res.status === 401 && !opts.noAuthRedirect) {
      session.clear()
      onUnauthenticated?.()
    }
    throw err
  }
  return res
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  if (!text) return undefined as T
  const type = res.headers.get('Content-Type') || ''
  if (type.includes('json') || text.startsWith('{') || text.startsWith('[')) {
    return JSON.parse(text) as T
  }
  return text as unknown as T
}

export const http = {
  get: <T>(path: string, query?: Query, opts: RequestOptions = {}) =>
    request<T>('GET', path, { ...opts, query }),
  post: <T>(path: string, body?: unknown, opts: RequestOptions = {}) =>
    request<T>('POST', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown, opts: RequestOptions = {}) =>
    request<T>('PUT', path, { ...opts, body }),
  del: <T>(path: string, body?: unknown, opts: RequestOptions = {}) =>
    request<T>('DELETE', path, { ...opts, body }),
}

function fileNameFrom(res: Response, fallback: string): string {
  const cd = res.headers.get('Content-Disposition') || ''
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(cd)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(cd)
  return plain ? plain[1].trim() : fallback
}

/**
 * Downloads a file answer (an export, a template, the bad rows of an import) and saves it
 * in the browser, so that an error answer is shown as a message instead of a JSON page.
 */
export async function download(path: string, query?: Query, fallbackName = 'download'): Promise<void> {
  const res = await send('GET', path, { query })
  const blob = await res.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fileNameFrom(res, fallbackName)
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
