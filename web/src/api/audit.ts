import { http } from './request'
import type { AuditEntry, AuditQuery, AuditVerify, Page } from './types'

export const listAudit = (query: AuditQuery) =>
  http.get<Page<AuditEntry>>('/api/audit', query as Record<string, string | number | undefined>)
export const verifyAudit = () => http.get<AuditVerify>('/api/audit/verify')
