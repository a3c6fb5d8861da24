// The period a figures page counts over (year, quarter, month or custom days) and the query it
// sends: one state and one builder for the figures page and the 概览 dashboard.
import { ref } from 'vue'
import type { PeriodKind, PeriodQuery } from '@/api/figures'

/** The day after an ISO date (the exclusive end of a custom period). */
export function nextDay(iso: string): string {
  const d = new Date(iso + 'T00:00:00Z')
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

/** Period state (this year by default) and the query for an organization; null while a custom
 *  period has no days picked. */
export function usePeriod(orgId: { readonly value: number | null | undefined }) {
  const now = new Date()
  const kind = ref<PeriodKind>('year')
  const year = ref(String(now.getFullYear()))
  const quarter = ref(Math.floor(now.getMonth() / 3) + 1)
  const month = ref(`${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`)
  const range = ref<[string, string] | null>(null)
  function query(): PeriodQuery | null {
    const q: PeriodQuery = { orgId: orgId.value || undefined, period: kind.value }
    if (kind.value === 'year') q.year = Number(year.value)
    else if (kind.value === 'quarter') Object.assign(q, { year: Number(year.value), quarter: quarter.value })
    else if (kind.value === 'month') q.month = month.value
    else {
      if (!range.value) return null
      q.from = range.value[0]
      q.to = nextDay(range.value[1])
    }
    return q
  }
  return { kind, year, quarter, month, range, query }
}
