// Visit and work logs 网格日志: log a visit, lists per household and per member, the photo, “三必访” due visits.
import { http } from './request'
import type { Page } from './types'

export type VisitKind = 'home' | 'phone' | 'wechat' | 'meeting' | 'other'
export const visitKinds: VisitKind[] = ['home', 'phone', 'wechat', 'meeting', 'other']

export interface Visit {
  id: number
  householdId: number
  headName: string
  address: string
  memberId: number | null
  visitorName: string
  visitedOn: string
  kind: VisitKind
  kindLabel: string
  note: string
  problems: string | null
  problemId: number | null
  hasPhoto: boolean
  createdAt: string
  orgName: string
}
export interface DueVisit {
  householdId: number
  address: string
  headName: string
  orgName: string
  reason: 'new_arrival' | 'difficulty' | 'holiday'
  reasonLabel: string
  dueOn: string
  lastVisitedOn: string | null
  holiday: string | null
  contactMemberId: number | null
  contactName: string
}
export interface VisitInput {
  householdId: number
  visitedOn: string
  kind: VisitKind
  note: string
  problems?: string
  memberId?: number
}

export const logVisit = (b: VisitInput) => http.post<Visit>('/api/visits', b)
export const listVisits = (q: { householdId?: number; memberId?: number; from?: string; to?: string; page?: number; pageSize?: number }) =>
  http.get<Page<Visit>>('/api/visits', q)
export const uploadVisitPhoto = (id: number, file: File) => http.post<{ id: number; hasPhoto: boolean }>(`/api/visits/${id}/photo`, file)
export const visitPhotoUrl = (id: number) => `/api/visits/${id}/photo`
export const dueVisits = (q: { orgId?: number; asOf?: string; page?: number; pageSize?: number } = {}) =>
  http.get<{ items: DueVisit[]; total: number; page: number; pageSize: number; asOf: string }>('/api/visits/due', q)
