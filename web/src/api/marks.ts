// Responsibility marks 亮身份亮职责亮承诺: a branch's members with their marks and commitments,
// the branch's public page link, and the public page itself (no login).
import { http, download } from './request'

export interface Mark {
  id: number
  kind: string
  kindLabel: string
  title: string
  description: string | null
  fromDate: string
  toDate: string | null
  current: boolean
  showPublic: boolean
  version: number
}

export interface Commitment {
  year: number
  text: string
  fulfilment: string | null
  showPublic: boolean
  version: number
}

export interface MarkMember {
  id: number
  name: string
  category: string
  post: string | null
  marks: Mark[]
  commitment: Commitment | null
}

export interface BranchMarks {
  orgId: number
  orgName: string
  secretary: string | null
  holdsMembers: boolean
  year: number
  memberCount: number
  withMarks: number
  withCommitment: number
  members: MarkMember[]
  publicUrl: string | null
  publicPath: string | null
}

export interface MarkInput {
  memberId?: number
  kind?: string
  title: string
  description?: string
  fromDate?: string
  showPublic: boolean
  version?: number
}

export interface PublicPage {
  branchName: string
  secretary: string | null
  asOf: string
  year: number
  members: {
    name: string
    marks: { kind: string; kindLabel: string; title: string; description: string | null }[]
    commitment: { year: number; text: string; fulfilment: string | null } | null
  }[]
}

export const markKinds = () => http.get<{ value: string; label: string }[]>('/api/marks/kinds')
export const branchMarks = (orgId: number, year?: number) =>
  http.get<BranchMarks>(`/api/marks/branches/${orgId}`, { year })
export const issueToken = (orgId: number) =>
  http.post<{ publicUrl: string; publicPath: string }>(`/api/marks/branches/${orgId}/token`, {})
export const createMark = (input: MarkInput) => http.post<Mark>('/api/marks', input)
export const updateMark = (id: number, input: MarkInput) => http.put<Mark>(`/api/marks/${id}`, input)
export const endMark = (id: number, toDate?: string) => http.post<Mark>(`/api/marks/${id}/end`, { toDate })
export const setCommitment = (
  memberId: number,
  year: number,
  body: { commitment: string; fulfilment?: string; showPublic: boolean; version?: number },
) => http.put<Commitment>(`/api/marks/members/${memberId}/commitments/${year}`, body)
export const downloadPoster = (orgId: number) =>
  download(`/api/marks/branches/${orgId}/poster.pdf`, undefined, 'poster.pdf')
export const publicPage = (token: string) => http.get<PublicPage>(`/api/public/branches/${token}`)
