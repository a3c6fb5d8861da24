// Permission names as the server grants them (GET /api/auth/me → permissions).
// Keep in step with docs/api.md; the server decides, the UI only hides what would be refused.
export const Perm = {
  OrgRead: 'org.read',
  OrgWrite: 'org.write',
  MemberRead: 'member.read',
  MemberWrite: 'member.write',
  MemberImport: 'member.import',
  MemberSensitive: 'member.sensitive',
  AuditRead: 'audit.read',
  SettingsWrite: 'settings.write',
  UserManage: 'user.manage',
} as const

export type Permission = (typeof Perm)[keyof typeof Perm]

/** Roles from the most to the least powerful, as the server orders them. */
export const Roles = [
  'district_staff',
  'street',
  'community',
  'branch_secretary',
  'grid_leader',
  'member',
] as const

export type Role = (typeof Roles)[number]
