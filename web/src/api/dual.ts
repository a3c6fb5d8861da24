// In-service members' dual management 在职党员双重管理: registrations with the community of
// residence, posts, service logs and the unregistered list.
import { http } from './request'
import type { Page } from './types'

type Q = Record<string, string | number | undefined>

export interface DualService {
  id: number
  servedOn: string
  hours: number
  description: string
  byName: string
}

export interface DualRegistration {
  id: number
  memberId: number
  memberName: string
  memberOrgId: number
  memberOrgName: string
  communityOrgId: number
  communityOrgName: string
  registeredOn: string
  endedOn: string | null
  current: boolean
  post: string | null
  note: string | null
  version: number
  workplaceSide: boolean
  communitySide: boolean
  serviceCount: number
  serviceHours: number
}

export interface DualRegistrationDetail extends DualRegistration {
  services: DualService[]
}

export interface UnregisteredMember {
  memberId: number
  memberName: string
  orgId: number
  orgName: string
  branchType: string | null
  sixCategory: string | null
}

export interface RegisterInput {
  memberId?: number
  idNumber?: string
  communityOrgId?: number
  registeredOn?: string
  post?: string
}

export const listRegistrations = (q: { side?: string; orgId?: number; current?: string; page?: number; pageSize?: number }) =>
  http.get<Page<DualRegistration>>('/api/dual/registrations', q as Q)
export const getRegistration = (id: number) => http.get<DualRegistrationDetail>(`/api/dual/registrations/${id}`)
export const registerMember = (input: RegisterInput) => http.post<DualRegistrationDetail>('/api/dual/registrations', input)
export const updateRegistration = (id: number, body: { post?: string; note?: string; version: number }) =>
  http.put<DualRegistrationDetail>(`/api/dual/registrations/${id}`, body)
export const endRegistration = (id: number, endedOn?: string) =>
  http.post<DualRegistrationDetail>(`/api/dual/registrations/${id}/end`, { endedOn })
export const addService = (id: number, body: { servedOn?: string; hours: number; description: string }) =>
  http.post<DualRegistrationDetail>(`/api/dual/registrations/${id}/services`, body)
export const listUnregistered = (q: { orgId?: number; page?: number; pageSize?: number }) =>
  http.get<Page<UnregisteredMember>>('/api/dual/unregistered', q as Q)
