import { download, http } from './request'
import type { MemberDetail, MemberInput, MemberQuery, MemberRow, MemberSensitive, Page } from './types'

type Q = Record<string, string | number | undefined>

export const listMembers = (query: MemberQuery) => http.get<Page<MemberRow>>('/api/members', query as Q)
export const getMember = (id: number) => http.get<MemberDetail>(`/api/members/${id}`)
export const getMemberSensitive = (id: number) =>
  http.get<MemberSensitive>(`/api/members/${id}/sensitive`)
export const createMember = (input: MemberInput) => http.post<MemberDetail>('/api/members', input)
export const updateMember = (id: number, input: MemberInput) =>
  http.put<MemberDetail>(`/api/members/${id}`, input)
export const moveMember = (id: number, orgId: number, effectiveOn: string, reason?: string) =>
  http.post<MemberDetail>(`/api/members/${id}/move`, { orgId, effectiveOn, reason })
export const removeMember = (id: number, reason: string, effectiveOn?: string) =>
  http.del<void>(`/api/members/${id}`, { reason, effectiveOn })
export const exportMembers = (query: MemberQuery) => {
  const { page: _p, pageSize: _s, ...filters } = query
  return download('/api/members/export', filters as Q, 'members.xlsx')
}
