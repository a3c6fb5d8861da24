// Shapes of the JSON the server answers, as written in docs/api.md.

export interface Option {
  value: string
  label: string
}

export interface Page<T> {
  items: T[]
  total: number
  page: number
  pageSize: number
}

export interface User {
  id: number
  username: string
  displayName: string
  role: string
  roleLabel: string
  orgId: number
  orgName: string
  active?: boolean
  totpEnrolled?: boolean
  /** The member record this login belongs to (the page 我的), or null. */
  memberId?: number | null
}

/** A TOTP secret being enrolled: base32 text, the otpauth:// URI and its QR code as a data: image. */
export interface Enrolment {
  step: 'enrol'
  secret: string
  uri: string
  qr: string
}

/**
 * The answer to a sign-in: signed in ("done"), or the password was right and the second factor
 * is asked for ("code") or must be enrolled first ("enrol").
 */
export type LoginAnswer =
  | { step: 'done'; user: User; csrfToken: string; recoveryCodes: string[]; usedRecoveryCode: boolean }
  | { step: 'code' }
  | Enrolment

export interface MeAnswer {
  user: User
  csrfToken: string
  permissions: string[]
}

export interface Meta {
  roles: Option[]
  orgKinds: Option[]
  branchTypes: Option[]
  categories: Option[]
  sixCategories: Option[]
  educations: Option[]
  ethnicities: Option[]
  standings: Option[]
}

export interface OrgWarning {
  code: string
  message: string
}

export interface OrgCounts {
  members: number
  full: number
  probationary: number
  directMembers: number
  directFull: number
}

export interface OrgNode {
  id: number
  parentId: number | null
  name: string
  shortName?: string
  kind: string
  kindLabel: string
  branchType?: string
  branchTypeLabel?: string
  unitCount?: number
  committeeSize?: number
  secretary?: string
  contact?: string
  phone?: string
  unitInfo?: string
  foundedOn?: string
  dissolvedOn?: string | null
  mergedInto?: number | null
  path?: string
  depth?: number
  version: number
  hasChildren: boolean
  counts: OrgCounts
  warnings: OrgWarning[]
}

export interface OrgHistoryRow {
  name: string
  kind: string
  kindLabel?: string
  parentId: number | null
  parentName: string
  fromDate: string
  toDate: string | null
}

/** An event in an organization's life; the API names only its presence, so fields are loose. */
export interface OrgEvent {
  id?: number
  kind?: string
  kindLabel?: string
  action?: string
  effectiveOn?: string
  date?: string
  on?: string
  loggedAt?: string
  summary?: string
  message?: string
  [key: string]: unknown
}

export interface OrgDetail extends OrgNode {
  ancestors: { id: number; name: string }[]
  history: OrgHistoryRow[]
  events: OrgEvent[]
}

export interface OrgInput {
  parentId?: number
  name: string
  shortName?: string
  kind: string
  branchType?: string
  unitCount?: number
  committeeSize?: number
  secretary?: string
  contact?: string
  phone?: string
  unitInfo?: string
  foundedOn?: string
  version?: number
  effectiveOn?: string
}

export interface SplitPart {
  name: string
  kind?: string
  branchType?: string
  memberIds: number[]
}

export interface MemberRow {
  id: number
  name: string
  sex: string
  birthDate: string
  age: number
  orgId: number
  orgName: string
  category: string
  categoryLabel: string
  sixCategory: string
  sixCategoryLabel: string
  joinedOn: string
  idNumberMasked: string
  phoneMasked: string
  standing: string
  lostContact: boolean
  mobile: boolean
}

export interface Placement {
  orgId: number
  orgName: string
  fromDate: string
  toDate: string | null
  reason: string
}

export interface MemberDetail extends MemberRow {
  ethnicity: string
  education: string
  fullOn: string | null
  post: string
  landlineMasked: string
  address: string
  lostOn: string | null
  mobileTo: string
  version: number
  placements: Placement[]
}

export interface MemberSensitive {
  idNumber: string
  phone: string
  landline: string
}

export interface MemberInput {
  name: string
  idNumber?: string
  ethnicity?: string
  education?: string
  category: string
  orgId?: number
  joinedOn?: string
  fullOn?: string
  post?: string
  phone?: string
  landline?: string
  address?: string
  standing?: string
  lostContact?: boolean
  lostOn?: string
  mobile?: boolean
  mobileTo?: string
  sixCategory?: string
  version?: number
}

export interface MemberQuery {
  orgId?: number
  q?: string
  category?: string
  sixCategory?: string
  standing?: string
  page?: number
  pageSize?: number
  sort?: string
}

export type ImportEntity = 'members' | 'orgs' | 'households'
export type ImportMode = 'dry_run' | 'all_or_nothing' | 'keep_good'

export interface ImportRowError {
  row: number
  field: string
  column: string
  message: string
}

export interface ImportResult {
  mode: ImportMode
  total: number
  good: number
  bad: number
  committed: boolean
  errors: ImportRowError[]
  badFileId: string | number | null
}

export interface Job {
  id: string | number
  kind: string
  status: 'queued' | 'running' | 'done' | 'failed'
  processed: number
  total: number
  result: ImportResult | null
  /** Present on failed jobs when the server says why. */
  message?: string
  error?: string
}

export interface AuditEntry {
  id: number
  loggedAt: string
  actorName: string
  ip: string
  action: string
  entity: string
  entityId: string | number | null
  summary: string
  before: unknown
  after: unknown
}

export interface AuditQuery {
  q?: string
  entity?: string
  action?: string
  actor?: string
  from?: string
  to?: string
  page?: number
  pageSize?: number
}

export interface AuditVerify {
  ok: boolean
  checked: number
  problems: { id: number; problem: string }[]
}

export type SettingValue = string | number | boolean

export interface Setting {
  key: string
  label: string
  description: string
  value: SettingValue
  defaultValue: SettingValue
  type: string
  version?: string
}

export interface UserInput {
  username: string
  displayName: string
  role: string
  orgId: number
  password: string
}
