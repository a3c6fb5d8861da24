// Party dues 党费 (see docs/api.md "Party dues"). Money is integer fen; months are YYYY-MM.
import { download, http } from './request'

export type BaseKind = 'employed' | 'retired' | 'student' | 'fixed'

export interface DuesBase {
  id: number
  kind: BaseKind
  kindLabel: string
  baseFen: number
  amountFen: number
  monthlyDueFen: number
  fromMonth: string
  toMonth: string | null
  setBy: string
  version?: string
}

export interface DuesPayment {
  id: number
  memberId: number
  month: string
  amountFen: number
  paidOn: string
  method: string
  note: string
  recordedBy: string
}

export interface LedgerRow {
  month: string
  obliged: boolean
  dueFen: number
  paidFen: number
  balanceFen: number
  exempt: boolean
  status: 'paid' | 'unpaid' | 'exempt' | 'not_obliged' | 'future'
  payment: DuesPayment | null
}

export interface Exemption {
  id: number
  fromMonth: string
  toMonth: string
  reason: string
  setBy: string
}

export interface MemberDues {
  memberId: number
  name: string
  orgId: number
  orgName: string
  obligationStart: string | null
  base: DuesBase | null
  bases: DuesBase[]
  exemptions: Exemption[]
  year: number
  ledger: LedgerRow[]
  unpaidRun: number
  flagged: boolean
  backPayMonths: number
}

export interface SummaryRow {
  orgId: number
  orgName: string
  self: boolean
  membersObliged: number
  dueFen: number
  paidFen: number
  owedFen: number
  membersPaid: number
  membersUnpaid: number
}

export interface Summary {
  orgId: number
  orgName: string
  month: string
  rows: SummaryRow[]
  total: SummaryRow
}

export interface ArrearsItem {
  memberId: number
  name: string
  orgId: number
  orgName: string
  monthsOwed: number
  owedFen: number
  months: { month: string; dueFen: number; exempt: boolean }[]
}

export interface FlaggedItem {
  memberId: number
  name: string
  orgId: number
  orgName: string
  unpaidMonths: number
  months: string[]
}

export interface BaseInput {
  kind: BaseKind
  baseFen?: number
  amountFen?: number
  fromMonth: string
  version?: string
}

export interface PaymentInput {
  memberId: number
  month: string
  amountFen: number
  paidOn: string
  method?: string
  note?: string
}

type Q = { orgId?: number; month?: string }

export const getMemberDues = (id: number, year?: number) => http.get<MemberDues>(`/api/dues/members/${id}`, { year })
export const setBase = (id: number, input: BaseInput) => http.put<DuesBase>(`/api/dues/members/${id}/base`, input)
export const recordPayment = (input: PaymentInput) => http.post<DuesPayment>('/api/dues/payments', input)
export const deletePayment = (id: number, reason: string) => http.del<void>(`/api/dues/payments/${id}`, { reason })
export const addExemption = (input: { memberId: number; fromMonth: string; toMonth: string; reason: string }) =>
  http.post<Exemption>('/api/dues/exemptions', input)
export const getSummary = (q: Q) => http.get<Summary>('/api/dues/summary', q)
export const getArrears = (q: Q) =>
  http.get<{ orgId: number; month: string; owedFen: number; items: ArrearsItem[] }>('/api/dues/arrears', q)
export const getFlagged = (q: Q) =>
  http.get<{ orgId: number; throughMonth: string; flagMonths: number; items: FlaggedItem[] }>('/api/dues/flagged', q)
export const exportDues = (q: Q) => download('/api/dues/export', q, 'dues.xlsx')

/** Fen → yuan with two decimals, computed in integers ("1234" → "12.34"). */
export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return ''
  const sign = fen < 0 ? '-' : ''
  const a = Math.abs(Math.trunc(fen))
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`
}

/** Yuan text ("12.3", "12.34") → fen, or null when not a valid amount. */
export function toFen(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:\.(\d{0,2}))?\s*$/.exec(text)
  if (!m) return null
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
}

/** This month as YYYY-MM (Asia/Shanghai). */
export function thisMonth(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()).slice(0, 7)
}
