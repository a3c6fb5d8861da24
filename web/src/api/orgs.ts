import { download, http } from './request'
import type { MemberRow, OrgDetail, OrgInput, OrgNode, Page, SplitPart } from './types'

export const getRoots = () => http.get<OrgNode[]>('/api/orgs/roots')
export const getChildren = (id: number) => http.get<OrgNode[]>(`/api/orgs/${id}/children`)
export const getOrg = (id: number) => http.get<OrgDetail>(`/api/orgs/${id}`)
export const searchOrgs = (q: string, kind?: string) =>
  http.get<OrgNode[]>('/api/orgs/search', { q, kind })
export const getOrgWarnings = (page = 1) => http.get<Page<OrgNode>>('/api/orgs/warnings', { page })
export const createOrg = (input: OrgInput) => http.post<OrgNode>('/api/orgs', input)
export const updateOrg = (id: number, input: OrgInput) => http.put<OrgNode>(`/api/orgs/${id}`, input)
export const moveOrg = (id: number, parentId: number, effectiveOn: string) =>
  http.post<OrgNode>(`/api/orgs/${id}/move`, { parentId, effectiveOn })
export const mergeOrg = (id: number, intoId: number, effectiveOn: string) =>
  http.post<OrgNode>(`/api/orgs/${id}/merge`, { intoId, effectiveOn })
export const splitOrg = (id: number, effectiveOn: string, parts: SplitPart[]) =>
  http.post<OrgNode[]>(`/api/orgs/${id}/split`, { effectiveOn, parts })
export const dissolveOrg = (id: number, effectiveOn: string) =>
  http.post<OrgNode>(`/api/orgs/${id}/dissolve`, { effectiveOn })
export const membersOn = (id: number, date: string) =>
  http.get<MemberRow[] | Page<MemberRow>>(`/api/orgs/${id}/members-on`, { date })
export const exportOrgs = () => download('/api/orgs/export', undefined, 'orgs.xlsx')
