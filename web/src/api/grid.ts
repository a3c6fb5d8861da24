// The grid 片组户: areas, groups, households, contact assignment, “三无” coverage, my households.
import { http } from './request'
import type { Page } from './types'

type Q = Record<string, string | number | undefined>

export interface Counts {
  households: number
  covered: number
  noContact: number
  key: number
  keyUnvisited: number
  contacts: number
  idleContacts: number
  over: number
  under: number
  areas: number
  areasNoLeader: number
  groups: number
  groupsNoLeader: number
  permille: number
  complete: boolean
}
export interface CoverageRow {
  type: 'org' | 'community' | 'area' | 'group'
  id: number
  name: string
  counts: Counts
  orgId?: number
  parentId?: number | null
}
export interface CoverageAnswer {
  asOf: string
  node: CoverageRow
  children: CoverageRow[]
}
export interface Tag {
  code: string
  label: string
}
export interface HouseholdRow {
  id: number
  orgName: string
  areaId?: number
  areaName: string
  groupId?: number
  groupName: string
  building: string
  unit: string
  room: string
  address: string
  headName: string
  phoneMasked: string | null
  tags: Tag[]
  lastVisitedOn: string | null
  contactName?: string | null
  key: boolean
  peopleCount?: number
  fromOn?: string
}
export interface ContactEntry {
  memberId: number
  memberName: string
  fromOn: string
  toOn: string | null
  assignedBy: string
  phoneMasked: string | null
}
export interface HouseholdDetail extends HouseholdRow {
  orgId: number
  areaId: number
  groupId: number
  fullAddress: string
  tagCodes: string[]
  note: string | null
  version: number
  people: { id: number; name: string; relation: string; birthYear: number | null; phoneMasked: string | null }[]
  contact: ContactEntry | null
  contactHistory: ContactEntry[]
  areaLeaderName: string | null
  groupLeaderName: string | null
  areaBranchName: string | null
  buildingPartyOrgName: string | null
}
export interface GroupNode {
  id: number
  name: string
  leaderMemberId: number | null
  leaderName: string | null
  version: number
  counts: Counts
}
export interface AreaNode {
  id: number
  name: string
  orgId: number
  orgName: string
  leaderMemberId: number | null
  leaderName: string | null
  branchOrgId: number | null
  branchOrgName: string | null
  note?: string | null
  version: number
  counts: Counts
  groups: GroupNode[]
  buildings: { building: string; partyOrgId: number | null; partyOrgName: string | null }[]
}
export interface MyHouseholds {
  items: HouseholdRow[]
  total: number
  memberId: number | null
  target: number
  load: string | null
}

export const getCoverage = (q: Q) => http.get<CoverageAnswer>('/api/grid/coverage', q)
export const coverageList = (q: Q) => http.get<Page<Record<string, unknown>>>('/api/grid/coverage/list', q)
export const getAreas = (orgId: number) => http.get<{ items: AreaNode[] }>('/api/grid/areas', { orgId })
export const createArea = (body: Record<string, unknown>) => http.post<AreaNode>('/api/grid/areas', body)
export const createGroup = (body: Record<string, unknown>) => http.post<{ id: number }>('/api/grid/groups', body)
export const listHouseholds = (q: Q) => http.get<Page<HouseholdRow>>('/api/grid/households', q)
export const getHousehold = (id: number) => http.get<HouseholdDetail>(`/api/grid/households/${id}`)
export const assignHouseholds = (householdIds: number[], memberId: number, on?: string) =>
  http.post<{ changed: number; households: number; load: string }>('/api/grid/assign', { householdIds, memberId, on })
export const releaseHousehold = (id: number) => http.post<HouseholdDetail>(`/api/grid/households/${id}/release`, {})
export const myHouseholds = () => http.get<MyHouseholds>('/api/grid/my-households')

export const percent = (permille: number) => `${Math.floor(permille / 10)}.${permille % 10}%`

// --- management: households, areas, groups, buildings, contact members ---
export interface PersonInput {
  name: string
  relation: string
  birthYear: number | null
}
export interface HouseholdInput {
  groupId: number
  building: string
  unit: string
  room: string
  address: string
  headName: string
  phone?: string
  tags: string[]
  people?: PersonInput[]
  note?: string | null
  version?: number
}
export interface BuildingRow {
  building: string
  households: number
  partyOrgId: number | null
  partyOrgName: string | null
}
export interface OrgOption {
  id: number
  name: string
  kind: string
}
export interface ContactRow {
  memberId: number
  memberName: string
  orgName: string
  areaName: string
  groupName: string
  households: number
  load: string
}
export const createHousehold = (body: HouseholdInput) => http.post<HouseholdDetail>('/api/grid/households', body)
export const updateHousehold = (id: number, body: HouseholdInput) =>
  http.put<HouseholdDetail>(`/api/grid/households/${id}`, body)
export const updateArea = (id: number, body: Record<string, unknown>) => http.put<AreaNode>(`/api/grid/areas/${id}`, body)
export const updateGroup = (id: number, body: Record<string, unknown>) =>
  http.put<{ id: number; name: string; version: number }>(`/api/grid/groups/${id}`, body)
export const areaBuildings = (areaId: number) =>
  http.get<{ areaId: number; items: BuildingRow[] }>(`/api/grid/areas/${areaId}/buildings`)
export const attachBuilding = (areaId: number, building: string, partyOrgId: number | null) =>
  http.post<AreaNode>(`/api/grid/areas/${areaId}/buildings`, { building, partyOrgId })
export const orgOptions = (orgId: number) => http.get<{ items: OrgOption[] }>('/api/grid/org-options', { orgId })
export const listContacts = (q: Q) => http.get<Page<ContactRow>>('/api/grid/contacts', q)
/** The household tags 标签 (codes; labels come from the locale files). */
export const TAGS = ['elderly_alone', 'empty_nest', 'disabled', 'difficulty', 'new_arrival'] as const
