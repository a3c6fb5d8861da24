// Democratic evaluation 民主评议 and self-examination 照镜子: campaigns per branch and year, the
// members' entries (self-assessment, ratings, grade, target, 差 follow-up) and the roll-up.
import { http } from './request'
import type { Page } from './types'

type Q = Record<string, string | number | undefined>

export type Grade = 'good' | 'fair' | 'poor'
/** {"peer" | "masses": {item: [好, 较好, 一般, 差]}} */
export type Ratings = Partial<Record<'peer' | 'masses', Record<string, number[]>>>

export interface Campaign {
  id: number
  orgId: number
  orgName: string
  year: number
  openedOn: string
  closesOn: string
  closedOn: string | null
  state: 'open' | 'closed'
  note: string | null
  version: number
  items: string[]
  members: number
  good: number
  fair: number
  poor: number
  ungraded: number
  selfAssessed: number
  maxGoodShare: number
  maxGood: number
}

export interface Entry {
  id: number
  campaignId: number
  memberId: number
  memberName: string
  memberCategory: string
  selfAssessment: string | null
  ratings: Ratings
  goodRate: number | null
  grade: Grade | null
  gradeLabel: string | null
  target: string | null
  helperMemberId: number | null
  helperName: string | null
  helperRole: string | null
  talkOn: string | null
  talkBy: string | null
  talkContent: string | null
  version: number
}

export interface CampaignDetail extends Campaign {
  entries: Entry[]
  helperRoles: string[]
}

export interface RollupRow {
  orgId: number
  orgName: string
  self?: boolean
  branches: number
  campaigns: number
  open: number
  closed: number
  members: number
  good: number
  fair: number
  poor: number
  ungraded: number
}

export interface Rollup {
  year: number
  orgId: number
  orgName: string
  rows: RollupRow[]
  total: RollupRow
}

export interface EntryInput {
  selfAssessment?: string | null
  ratings?: Ratings
  grade?: Grade | null
  target?: string | null
  helperMemberId?: number | null
  helperRole?: string | null
  talkOn?: string | null
  talkBy?: string | null
  talkContent?: string | null
  version: number
}

export const listCampaigns = (q: { year?: number; state?: string; orgId?: number; page?: number; pageSize?: number }) =>
  http.get<Page<Campaign>>('/api/evaluation/campaigns', q as Q)
export const getCampaign = (id: number) => http.get<CampaignDetail>(`/api/evaluation/campaigns/${id}`)
export const openCampaign = (input: { orgId?: number; year: number; openedOn?: string; closesOn?: string; note?: string }) =>
  http.post<CampaignDetail>('/api/evaluation/campaigns', input)
export const closeCampaign = (id: number, closedOn?: string) =>
  http.post<CampaignDetail>(`/api/evaluation/campaigns/${id}/close`, { closedOn })
export const updateEntry = (id: number, input: EntryInput) => http.put<Entry>(`/api/evaluation/entries/${id}`, input)
export const getRollup = (q: { year: number; orgId?: number }) => http.get<Rollup>('/api/evaluation/rollup', q as Q)
