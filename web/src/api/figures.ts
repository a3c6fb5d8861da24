// Figures 统计 (see docs/api.md "Figures"). Periods are [from, to) with `to` exclusive; money
// cells carry amountFen beside the count.
import { download, http } from './request'

export type PeriodKind = 'year' | 'quarter' | 'month' | 'custom'

export type PeriodQuery = {
  orgId?: number
  period: PeriodKind
  year?: number
  quarter?: number
  month?: string
  from?: string
  to?: string
}

export interface FigureCell {
  key: string
  label: string
  count: number
  amountFen?: number
  /** A share of another cell of the figure: its key and the permille (rounded down; null when it counts 0). */
  rateOf?: string
  permille?: number | null
  /** A mean over the records: the sum of their value, the mean in tenths (null when count is 0), the unit. */
  sum?: number
  meanTenths?: number | null
  unit?: string
}

export interface Figure {
  key: string
  title: string
  money: boolean
  /** Every record is in exactly one cell: the cells add up to a total. */
  partition: boolean
  cells: FigureCell[]
}

export interface FigureGroup {
  title: string
  figures: Figure[]
}

export interface Period {
  kind: PeriodKind
  from: string
  to: string
  asOf: string
  label: string
}

export interface FiguresPage {
  org: { id: number; name: string }
  period: Period
  groups: FigureGroup[]
}

export interface RecordColumn {
  key: string
  title: string
  kind: '' | 'money'
}

export interface FigureRecords {
  items: Record<string, string | number | null>[]
  total: number
  page: number
  pageSize: number
  columns: RecordColumn[]
  figure: string
  amountFen?: number
  /** Cells with a mean: the sum of column meanKey over all rows, the mean in tenths, the unit. */
  sum?: number
  meanTenths?: number | null
  meanKey?: string
  unit?: string
  period: Period
  org: { id: number; name: string }
}

export const getFigures = (q: PeriodQuery) => http.get<FiguresPage>('/api/figures', q)
export const getRecords = (q: PeriodQuery & { figure: string; cell: string; page?: number; pageSize?: number }) =>
  http.get<FigureRecords>('/api/figures/records', q)
export const exportFigures = (q: PeriodQuery) => download('/api/figures/export', q, 'figures.xlsx')
export const exportRecords = (q: PeriodQuery & { figure: string; cell: string }) =>
  download('/api/figures/records/export', q, 'records.xlsx')
