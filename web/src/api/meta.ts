import { http } from './request'
import type { Meta } from './types'

export const getMeta = () => http.get<Meta>('/api/meta')
