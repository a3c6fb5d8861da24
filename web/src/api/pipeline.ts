// Recruitment 发展党员: the board, applicants with their 25 steps, people, training, documents,
// the points ledger 积分制 and the activist questionnaire; configuration for district staff.
import { http } from './request'
import type { Page } from './types'

export interface Choice {
  value: string
  label: string
}
export interface StepDef {
  no: number
  stage: string
  stageLabel: string
  name: string
  note: string | null
  version?: string
}
export interface Question {
  id: number
  ord: number
  text: string
  active: boolean
  answer?: string | null
  answeredOn?: string | null
  version?: string
}
export interface PointItem {
  id: number
  name: string
  points: number
  active: boolean
  version?: string
}
export interface PipelineConfig {
  stages: Choice[]
  steps: StepDef[]
  questions: Question[]
  pointItems: PointItem[]
  rules: Record<string, number>
}
export interface Card {
  id: number
  name: string
  orgId: number
  orgName: string
  stage: string
  stageLabel: string
  lastStep: number
  lastStepOn: string | null
  migrant: boolean
  appliedOn: string
  activistOn: string | null
  targetOn: string | null
  probationaryOn: string | null
  fullOn: string | null
  memberId: number | null
  idNumberMasked: string
  sex: string
  birthDate: string
  version: number
  points: number
  stageSince: string | null
  daysInStage: number | null
  complete: boolean
  nextStep: number | null
  nextStepName: string | null
  nextEarliest: string | null
}
export interface StepRecord {
  id: number
  stepNo: number
  name: string
  stage: string
  doneOn: string
  decision: string
  orgId: number
  orgName: string
  recordedBy: string
  recordedAt: string
}
export interface Person {
  id: number
  role: 'sponsor' | 'introducer'
  roleLabel: string
  memberId: number
  name: string
  fromDate: string
}
export interface Training {
  id: number
  fromDate: string
  toDate: string
  days: number
  hours: number
  organizer: string
}
export interface Doc {
  id: number
  stepNo: number | null
  name: string
  dated: string
  fileId: number | null
}
export interface PointEntry {
  id: number
  itemName: string
  points: number
  earnedOn: string
  orgId: number
  orgName: string
  note: string | null
  recordedBy: string
}
export interface Move {
  id: number
  fromOrgName: string
  toOrgName: string
  movedOn: string
  reason: string
  movedBy: string
}
export interface Applicant extends Card {
  steps: StepRecord[]
  people: Person[]
  training: Training[]
  trainingDays: number
  trainingHours: number
  documents: Doc[]
  pointsLedger: PointEntry[]
  moves: Move[]
  questionnaire: Question[]
}
export interface BoardColumn {
  stage: string
  label: string
  count: number
  cards: Card[]
}

const base = '/api/pipeline'
export const getConfig = () => http.get<PipelineConfig>(`${base}/config`)
export const getBoard = (orgId?: number) => http.get<{ columns: BoardColumn[]; asOf: string }>(`${base}/board`, { orgId })
export const listApplicants = (q: Record<string, string | number | undefined>) =>
  http.get<Page<Card>>(`${base}/applicants`, q)
export const getApplicant = (id: number) => http.get<Applicant>(`${base}/applicants/${id}`)
export const createApplicant = (b: Record<string, unknown>) => http.post<Applicant>(`${base}/applicants`, b)
export const recordStep = (id: number, b: { stepNo: number; doneOn: string; decision: string }) =>
  http.post<Applicant>(`${base}/applicants/${id}/steps`, b)
export const addPerson = (id: number, b: { role: string; memberId: number; fromDate: string }) =>
  http.post<Applicant>(`${base}/applicants/${id}/people`, b)
export const addTraining = (id: number, b: Record<string, unknown>) =>
  http.post<Applicant>(`${base}/applicants/${id}/training`, b)
export const addDocument = (id: number, b: Record<string, unknown>) =>
  http.post<Applicant>(`${base}/applicants/${id}/documents`, b)
export const uploadDocument = (id: number, file: File, q: { name: string; dated: string; stepNo?: number }) =>
  http.post<Applicant>(`${base}/applicants/${id}/documents/file`, file, { query: q })
export const addPoints = (id: number, b: { itemId: number; earnedOn: string; note?: string }) =>
  http.post<Applicant>(`${base}/applicants/${id}/points`, b)
export const moveApplicant = (id: number, b: { orgId: number; movedOn: string; reason: string }) =>
  http.post<Applicant>(`${base}/applicants/${id}/move`, b)
export const saveQuestionnaire = (id: number, b: { answeredOn: string; answers: { questionId: number; answer: string }[] }) =>
  http.put<Applicant>(`${base}/applicants/${id}/questionnaire`, b)
export const updateStepDef = (no: number, b: { name: string; note?: string; version?: string }) => http.put<StepDef[]>(`${base}/steps/${no}`, b)
export const addPointItem = (b: { name: string; points: number }) => http.post<PointItem[]>(`${base}/point-items`, b)
export const updatePointItem = (id: number, b: { name: string; points: number; active: boolean; version?: string }) =>
  http.put<PointItem[]>(`${base}/point-items/${id}`, b)
export const addQuestion = (b: { text: string; ord: number }) => http.post<Question[]>(`${base}/questions`, b)
export const updateQuestion = (id: number, b: { text: string; ord: number; active: boolean; version?: string }) =>
  http.put<Question[]>(`${base}/questions/${id}`, b)
