import { http } from './request'
import type { Page, User, UserInput } from './types'

export const listUsers = async (): Promise<User[]> => {
  const r = await http.get<User[] | Page<User>>('/api/users')
  return Array.isArray(r) ? r : r.items
}
export const createUser = (input: UserInput) => http.post<User>('/api/users', input)
export const resetPassword = (id: number, password: string) =>
  http.post<void>(`/api/users/${id}/reset-password`, { password })
export const setUserActive = (id: number, active: boolean) =>
  http.post<void>(`/api/users/${id}/active`, { active })
