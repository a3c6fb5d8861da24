// Residents' problems 民情: the staff list, detail and actions, the hotline intake, the contact
// cards PDF, and the public report page's calls (no login).
import { download, http } from './request'
import type { Page } from './types'

type Q = Record<string, string | number | undefined>

export type ProblemState = 'received' | 'assigned' | 'in_progress' | 'answered' | 'closed'

export interface Problem {
  id: number
  number: string
  source: string
  sourceLabel: string
  kind: string
  text: string
  reporterName: string
  phoneMasked: string | null
  orgId: number
  orgName: string
  memberId: number | null
  memberName: string | null
  state: ProblemState
  stateLabel: string
  receivedOn: string
  dueOn: string
  overdue: boolean
  escalations: number
  answer: string | null
  answeredOn: string | null
  satisfaction: string | null
  satisfactionLabel: string | null
  closedOn: string | null
  household: string | null
  householdId: number | null
  version: number
}
export interface ProblemEvent {
  at: string
  action: string
  state: string
  stateLabel: string
  orgName: string
  actor: string
  note: string | null
}
export interface ProblemDetail extends Problem {
  events: ProblemEvent[]
  canEscalate: boolean
}
export interface ProblemMeta {
  kinds: { kind: string; days: number }[]
  states: { value: string; label: string }[]
  satisfactions: { value: string; label: string }[]
  hotline: string
}
export interface HotlineInput {
  kind: string
  text: string
  reporterName?: string
  phone?: string
  householdId?: number
  orgId?: number
}

export const problemMeta = () => http.get<ProblemMeta>('/api/problems/kinds')
export const listProblems = (q: Q) => http.get<Page<Problem>>('/api/problems', q)
export const getProblem = (id: number) => http.get<ProblemDetail>(`/api/problems/${id}`)
export const createProblem = (b: HotlineInput) => http.post<ProblemDetail>('/api/problems', b)
export const problemAction = (id: number, action: string, body: Record<string, unknown> = {}) =>
  http.post<ProblemDetail & { outOfScope?: boolean }>(`/api/problems/${id}/${action}`, body)
export const printCards = (householdIds: number[]) =>
  download('/api/problems/cards.pdf', { householdIds: householdIds.join(',') }, '民情联系卡.pdf')

// --- the contact member's side (a member login; only problems handed to them) ---
export const myProblems = (householdId?: number) =>
  http.get<{ items: Problem[] }>('/api/me/problems', householdId ? { householdId } : undefined)
export const getMyProblem = (id: number) => http.get<ProblemDetail>(`/api/me/problems/${id}`)
export const answerMyProblem = (id: number, answer: string) =>
  http.post<ProblemDetail>(`/api/me/problems/${id}/answer`, { answer })
export const passMyProblem = (id: number, note: string) =>
  http.post<{ id: number; passed: boolean }>(`/api/me/problems/${id}/pass`, { note })

// --- public (no login) ---
export interface PublicCard {
  community: string
  hotline: string
  kinds: string[]
}
export interface PublicStatus {
  number: string
  kind: string
  state: ProblemState
  stateLabel: string
  receivedOn: string
  dueOn: string
  answer: string | null
  answeredOn: string | null
  satisfaction: string | null
  satisfactionLabel: string | null
  closedOn: string | null
}
const pub = { noAuthRedirect: true }
export const publicChallenge = () => http.get<{ question: string; challenge: string; kinds: string[]; hotline: string }>('/api/public/problems/challenge', undefined, pub)
export const publicCard = (token: string) => http.get<PublicCard>(`/api/public/problems/cards/${encodeURIComponent(token)}`, undefined, pub)
export const publicReport = (b: Record<string, unknown>) => http.post<{ number: string; secret: string }>('/api/public/problems', b, pub)
export const publicStatus = (number: string, secret: string) =>
  http.get<PublicStatus>(`/api/public/problems/${encodeURIComponent(number)}`, { secret }, pub)
export const publicRate = (number: string, secret: string, satisfaction: string) =>
  http.post<PublicStatus>(`/api/public/problems/${encodeURIComponent(number)}/rate`, { secret, satisfaction }, pub)
