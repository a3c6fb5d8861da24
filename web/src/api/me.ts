// The member's own page 我的 (see docs/api.md "The member's own page").
import { http } from './request'
import type { MemberDetail } from './types'
import type { DuesBase, LedgerRow } from './dues'
import type { MobileRecordDetail } from './mobile'

/** One item of 我的待办; `kind` names its source (dues now; study, evaluation, pipeline, transfer later). */
export interface MyTask {
  kind: string
  title: string
  due: string | null
  link: string
  /** Past its due date (shown as 已超期). */
  overdue: boolean
}

export interface MyPage {
  member: MemberDetail
  dues: { year: number; base: DuesBase | null; months: LedgerRow[]; unpaidRun: number; flagged: boolean } | null
  mobility: MobileRecordDetail[]
  tasks: MyTask[]
}

export const getMe = (year?: number) => http.get<MyPage>('/api/me', year ? { year } : undefined)

export const changeMyPhone = (phone: string) => http.put<MemberDetail>('/api/me/phone', { phone })
