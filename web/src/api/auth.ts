import { http } from './request'
import type { Enrolment, LoginAnswer, MeAnswer, Page } from './types'

/** `code`: the second factor (a TOTP code or a recovery code) when the server asked for it. */
export const login = (username: string, password: string, code = '') =>
  http.post<LoginAnswer>('/api/auth/login', code ? { username, password, code } : { username, password }, {
    noAuthRedirect: true,
  })

export const logout = () => http.post<void>('/api/auth/logout', {}, { noAuthRedirect: true })

export const me = () => http.get<MeAnswer>('/api/auth/me', undefined, { noAuthRedirect: true })

export const changePassword = (oldPassword: string, newPassword: string) =>
  http.post<void>('/api/auth/password', { oldPassword, newPassword })

// --- Account security (docs/accounts.md) ---
export interface TotpStatus {
  enrolled: boolean
  required: boolean
  recoveryCodesLeft: number
  enrolledAt: string | null
}
/** One sign-in or failed attempt; result: ok, recovery_code, bad_password, bad_code, locked. */
export interface SignIn {
  id: number
  at: string
  ip: string
  result: string
}

export const totpStatus = () => http.get<TotpStatus>('/api/auth/totp')
export const totpSetup = () => http.post<Enrolment>('/api/auth/totp/setup', {})
export const totpConfirm = (code: string) => http.post<{ recoveryCodes: string[] }>('/api/auth/totp/confirm', { code })
export const newRecoveryCodes = (code: string) =>
  http.post<{ recoveryCodes: string[] }>('/api/auth/totp/recovery-codes', { code })
export const endAllSessions = () => http.post<{ ended: number }>('/api/auth/sessions/end-all', {})
export const mySignIns = (page = 1, pageSize = 20) =>
  http.get<Page<SignIn>>('/api/auth/sign-ins', { page, pageSize })
