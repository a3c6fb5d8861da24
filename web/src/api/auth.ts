import { http } from './request'
import type { LoginAnswer, MeAnswer } from './types'

export const login = (username: string, password: string) =>
  http.post<LoginAnswer>('/api/auth/login', { username, password }, { noAuthRedirect: true })

export const logout = () => http.post<void>('/api/auth/logout', {}, { noAuthRedirect: true })

export const me = () => http.get<MeAnswer>('/api/auth/me', undefined, { noAuthRedirect: true })

export const changePassword = (oldPassword: string, newPassword: string) =>
  http.post<void>('/api/auth/password', { oldPassword, newPassword })
