import { http } from './request'
import type { Setting, SettingValue } from './types'

export const listSettings = () => http.get<Setting[]>('/api/settings')
export const saveSetting = (key: string, value: SettingValue) =>
  http.put<Setting>(`/api/settings/${encodeURIComponent(key)}`, { value })
