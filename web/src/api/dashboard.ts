// Dashboard 概览 (see docs/api.md "Dashboard"): one organization's grid numbers for a period.
// Each KPI is a figures cell (figure + key) so the page links it to that cell's records.
import { http } from './request'
import type { Period, PeriodQuery } from './figures'

export interface Kpi {
  figure: string
  key: string
  label: string
  count: number
  /** rateOf: the cell this one is a share of; permille rounded down, null when the whole is 0. */
  rateOf?: string
  permille?: number | null
  /** Cells with a mean: sum of the records' values, mean in tenths (null when count is 0). */
  sum?: number
  meanTenths?: number | null
  unit?: string
}

export type KpiName =
  | 'households'
  | 'key'
  | 'withContact'
  | 'keyVisited'
  | 'visits'
  | 'received'
  | 'answered'
  | 'overdue'
  | 'answerDays'
  | 'content'

export interface DashboardChild {
  type: 'org' | 'area'
  id: number
  name: string
  households: number
  withContact: number
  permille: number | null
  key: number
  keyVisited: number
  keyPermille: number | null
}

export interface DashboardMonth {
  month: string
  visits: number
  received: number
  answered: number
}

export interface GridDashboard {
  org: { id: number; name: string; type: 'community' | 'org' }
  period: Period
  kpis: Record<KpiName, Kpi>
  children: DashboardChild[]
  months: DashboardMonth[]
  satisfaction: { satisfied: number; basic: number; unsatisfied: number }
}

export const getGridDashboard = (q: PeriodQuery) => http.get<GridDashboard>('/api/dashboard/grid', q)

/** "98.7%" from a permille; "—" when there is none. */
export const percent = (pm: number | null | undefined) =>
  pm === null || pm === undefined ? '—' : `${Math.floor(pm / 10)}.${pm % 10}%`
/** "3.4" from tenths; "—" when there is none. */
export const tenths = (t: number | null | undefined) =>
  t === null || t === undefined ? '—' : `${t < 0 ? '-' : ''}${Math.floor(Math.abs(t) / 10)}.${Math.abs(t) % 10}`
/** 12345 → "12,345". */
export const thousands = (n: number) => n.toLocaleString('en-US')
