// Mobile members 流动党员: records, contacts, the overdue list and service requests.
import { http } from './request'
import type { Page } from './types'

type Q = Record<string, string | number | undefined>

export interface MobileContact {
  id: number
  contactedOn: string
  channel: string
  note: string | null
  byName: string
}

export interface MobileRequest {
  id: number
  recordId: number
  memberId: number
  memberName: string
  kind: string
  kindLabel: string
  description: string
  status: 'open' | 'assigned' | 'closed'
  statusLabel: string
  assigneeId: number | null
  assigneeName: string | null
  deadline: string | null
  result: string | null
  openedOn: string
  assignedOn: string | null
  closedOn: string | null
  late: boolean
  direction: string
}

export interface MobileRecord {
  id: number
  memberId: number
  memberName: string
  orgId: number
  orgName: string
  direction: 'outflow' | 'inflow'
  directionLabel: string
  place: string
  sinceDate: string
  untilDate: string | null
  ongoing: boolean
  phoneMasked: string | null
  receivingOrg: string | null
  mobileBranchId: number | null
  mobileBranchName: string | null
  reason: string | null
  version: number
  lastContactOn: string | null
  openRequests: number
  daysSinceContact?: number
  daysOverdue?: number
  neverContacted?: boolean
}

export interface MobileRecordDetail extends MobileRecord {
  contacts: MobileContact[]
  requests: MobileRequest[]
}

export interface MobileRecordInput {
  memberId?: number
  direction?: string
  place: string
  sinceDate: string
  phone?: string
  receivingOrg?: string
  mobileBranchId?: number
  reason?: string
  version?: number
}

export interface OverdueList {
  items: MobileRecord[]
  total: number
  intervalDays: number
  asOf: string
}

export interface Choice {
  value: string
  label: string
}

export const listRecords = (q: { orgId?: number; direction?: string; ongoing?: string; q?: string; page?: number; pageSize?: number }) =>
  http.get<Page<MobileRecord>>('/api/mobile/records', q as Q)
export const getRecord = (id: number) => http.get<MobileRecordDetail>(`/api/mobile/records/${id}`)
export const createRecord = (input: MobileRecordInput) => http.post<MobileRecordDetail>('/api/mobile/records', input)
export const updateRecord = (id: number, input: MobileRecordInput) =>
  http.put<MobileRecordDetail>(`/api/mobile/records/${id}`, input)
export const closeRecord = (id: number, untilDate?: string) =>
  http.post<MobileRecordDetail>(`/api/mobile/records/${id}/close`, { untilDate })
export const addContact = (id: number, body: { contactedOn?: string; channel: string; note?: string }) =>
  http.post<MobileRecordDetail>(`/api/mobile/records/${id}/contacts`, body)
export const listOverdue = (orgId?: number) => http.get<OverdueList>('/api/mobile/overdue', { orgId } as Q)
export const openRequest = (id: number, body: { kind: string; description: string; deadline?: string }) =>
  http.post<MobileRequest>(`/api/mobile/records/${id}/requests`, body)
export const assignRequest = (id: number, userId: number) =>
  http.post<MobileRequest>(`/api/mobile/requests/${id}/assign`, { userId })
export const closeRequest = (id: number, result: string) =>
  http.post<MobileRequest>(`/api/mobile/requests/${id}/close`, { result })
export const listRequests = (q: { status?: string; orgId?: number; page?: number; pageSize?: number }) =>
  http.get<Page<MobileRequest>>('/api/mobile/requests', q as Q)
export const serviceKinds = () => http.get<Choice[]>('/api/mobile/service-kinds')
