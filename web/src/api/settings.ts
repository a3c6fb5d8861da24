import { http } from './request'
import type { Setting, SettingValue } from './types'

export const listSettings = () => http.get<Setting[]>('/api/settings')
// `version` is the one loaded with the list: a setting saved by someone else since answers 409.
export const saveSetting = (key: string, value: SettingValue, version?: string) =>
  http.put<Setting>(`/api/settings/${encodeURIComponent(key)}`, { value, version })
