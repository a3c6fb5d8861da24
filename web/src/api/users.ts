import { http } from './request'
import type { Page, User, UserInput } from './types'
import type { SignIn } from './auth'

export const listUsers = async (): Promise<User[]> => {
  const r = await http.get<User[] | Page<User>>('/api/users')
  return Array.isArray(r) ? r : r.items
}
export const createUser = (input: UserInput) => http.post<User>('/api/users', input)
export const resetPassword = (id: number, password: string) =>
  http.post<void>(`/api/users/${id}/reset-password`, { password })
export const setUserActive = (id: number, active: boolean) =>
  http.post<void>(`/api/users/${id}/active`, { active })
export const resetUserTotp = (id: number) => http.post<void>(`/api/users/${id}/totp/reset`, {})
export const endUserSessions = (id: number) => http.post<{ ended: number }>(`/api/users/${id}/sessions/end`, {})
export const userSignIns = (id: number, page = 1, pageSize = 20) =>
  http.get<Page<SignIn>>(`/api/users/${id}/sign-ins`, { page, pageSize })
