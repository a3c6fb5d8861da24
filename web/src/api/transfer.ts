// Transfer of organizational relationship 组织关系接转: cases with their two sides, the actions
// (send / receive / complete / return / cancel), the letter PDF and the public receipt page.
import { download, http } from './request'
import type { Page } from './types'

type Q = Record<string, string | number | undefined>

export type TransferState = 'started' | 'sent' | 'received' | 'completed' | 'returned' | 'cancelled'
export type TransferDirection = 'within' | 'out' | 'in'

export interface TransferCase {
  id: number
  code: string
  direction: TransferDirection
  directionLabel: string
  state: TransferState
  stateLabel: string
  memberId: number | null
  memberName: string
  fromOrgId: number | null
  fromName: string
  toOrgId: number | null
  toName: string
  reason: string
  note: string | null
  outsideLetter: string | null
  idNumberMask: string | null
  startedOn: string
  sentOn: string | null
  deadline: string | null
  receivedOn: string | null
  completedOn: string | null
  returnedOn: string | null
  cancelledOn: string | null
  closingReason: string | null
  open: boolean
  overdue: boolean
  sendingSide: boolean
  receivingSide: boolean
  version: number
  actions: { send: boolean; cancel: boolean; receive: boolean; complete: boolean; return: boolean; print: boolean }
}

export interface TransferEvent {
  state: TransferState
  stateLabel: string
  on: string
  at: string
  by: string
  note: string | null
}

export interface TransferDetail extends TransferCase {
  events: TransferEvent[]
  checkCode: string | null
  memberActive?: boolean
  memberOrgName?: string
  memberOrgId?: number
}

export interface TransferTarget {
  id: number
  name: string
  parentName: string | null
}

export interface TransferQuery {
  tab?: 'out' | 'in' | 'all'
  state?: string
  direction?: string
  overdue?: string
  q?: string
  orgId?: number
  page?: number
  pageSize?: number
}

export interface StartTransferInput {
  direction: TransferDirection
  memberId?: number
  toOrgId?: number
  toOutside?: string
  fromOutside?: string
  outsideLetter?: string
  sentOn?: string
  reason: string
  note?: string
  // direction 'in': the incoming member
  name?: string
  idNumber?: string
  category?: string
  ethnicity?: string
  joinedOn?: string
  fullOn?: string
  phone?: string
}

export interface PublicTransfer {
  code: string
  direction: TransferDirection
  directionLabel: string
  state: TransferState
  stateLabel: string
  memberName: string
  fromName: string
  toName: string
  sentOn: string | null
  deadline: string | null
  receivedOn: string | null
  overdue: boolean
  locked: boolean
  canConfirm: boolean
}

export const listTransfers = (q: TransferQuery) => http.get<Page<TransferCase>>('/api/transfers', q as Q)
export const getTransfer = (id: number) => http.get<TransferDetail>(`/api/transfers/${id}`)
export const startTransfer = (input: StartTransferInput) => http.post<TransferDetail>('/api/transfers', input)
export const transferAction = (id: number, action: 'send' | 'receive' | 'complete' | 'return' | 'cancel', reason?: string) =>
  http.post<TransferDetail>(`/api/transfers/${id}/${action}`, reason ? { reason } : {})
export const transferTargets = (q: string) => http.get<{ items: TransferTarget[] }>('/api/transfers/targets', { q })
export const downloadLetter = (id: number, code: string) =>
  download(`/api/transfers/${id}/letter.pdf`, undefined, `组织关系介绍信-${code}.pdf`)
export const publicTransfer = (code: string) => http.get<PublicTransfer>(`/api/public/transfers/${encodeURIComponent(code)}`)
export const confirmReceipt = (code: string, check: string, receiver: string) =>
  http.post<PublicTransfer>(`/api/public/transfers/${encodeURIComponent(code)}/receipt`, { check, receiver })
