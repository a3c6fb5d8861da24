import { ElMessage } from 'element-plus'
import { isApiError } from '@/api/request'
import { t } from '@/locales'

/** The text to show for a failed call: the server's own message, or a generic one. */
export function errorText(e: unknown): string {
  if (isApiError(e)) {
    if (e.status === 0) return t('error.network')
    if (e.message) return e.message
    if (e.status === 403) return t('error.forbidden')
    if (e.status === 404) return t('error.notFound')
    return t('error.generic', { status: e.status })
  }
  if (e instanceof Error && e.message) return e.message
  return t('error.unknown')
}

export function showError(e: unknown): void {
  if (isApiError(e) && e.status === 401) return // the request client already redirects
  ElMessage.error({ message: errorText(e), grouping: true, showClose: true })
}

/**
 * Puts a 400 answer's message under the form item named by `field`.
 * Returns true when the error was placed, false when the caller should show it otherwise.
 */
export function placeFieldError(e: unknown, errors: Record<string, string>, known: string[]): boolean {
  if (!isApiError(e) || !e.field) return false
  // "placements[0].orgId" or "parts.1.name" → the top-level name the form knows.
  const top = e.field.split(/[.[]/)[0]
  const name = known.includes(e.field) ? e.field : known.includes(top) ? top : ''
  if (!name) return false
  errors[name] = e.message
  return true
}
