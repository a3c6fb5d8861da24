// Mobilization 一键动员 and the notification outbox.
import { http } from './request'
import type { Page } from './types'

export interface MessageCounts {
  pending: number
  sent: number
  failed: number
  cancelled: number
}
export interface Mobilization {
  id: number
  orgId: number
  orgName: string
  title: string
  description: string
  teamSize: number
  date: string
  state: 'formed' | 'closed' | 'cancelled'
  stateLabel: string
  teamsCount: number
  membersCount: number
  createdBy: string
  createdAt: string
  resultNote: string | null
  endedAt: string | null
  messages: MessageCounts
}
export interface TeamMember {
  memberId: number
  name: string
  phoneMasked: string | null
  leader: boolean
  messageState: string | null
  sentAt: string | null
  error: string | null
}
export interface Team {
  id: number
  seq: number
  name: string
  areaId: number
  orgId: number
  orgName: string
  leaderId: number
  leaderName: string
  leaderPhoneMasked: string | null
  leaderRule: 'area_leader' | 'group_leader' | 'first'
  size: number
  members: TeamMember[]
}
export interface MobilizationDetail extends Mobilization {
  teams: Team[]
}
export interface Preview {
  orgId: number
  orgName: string
  teamSize: number
  members: number
  areas: number
  teams: number
  minTeamSize: number
  maxTeamSize: number
  withoutPhone: number
}
export interface OutboxItem {
  id: number
  recipientName: string
  phoneMasked: string | null
  preview: string
  refKind: string
  refId: number | null
  state: string
  attempts: number
  error: string | null
  driver: string | null
  createdAt: string
  sentAt: string | null
}

export const listMobilizations = (page: number, pageSize: number) =>
  http.get<Page<Mobilization>>('/api/mobilize', { page, pageSize })
export const previewMobilization = (orgId: number, teamSize: number) =>
  http.get<Preview>('/api/mobilize/preview', { orgId, teamSize })
export const createMobilization = (body: { orgId: number; title: string; description: string; teamSize: number }) =>
  http.post<MobilizationDetail>('/api/mobilize', body)
export const getMobilization = (id: number) => http.get<MobilizationDetail>(`/api/mobilize/${id}`)
export const endMobilization = (id: number, how: 'close' | 'cancel', note?: string) =>
  http.post<Mobilization>(`/api/mobilize/${id}/${how}`, { note })
export const listOutbox = (q: { state?: string; mobilizationId?: number; page: number; pageSize: number }) =>
  http.get<Page<OutboxItem> & { byState: Record<string, number> }>('/api/notify/outbox', q)
