// The signed-in user, the CSRF token and the granted permissions. A small reactive object:
// the whole application reads it, only the auth calls and the 401 handler change it.
import { reactive } from 'vue'
import type { User } from '@/api/types'
import type { Permission } from '@/permissions'

interface SessionState {
  user: User | null
  csrfToken: string
  permissions: string[]
  /** True once GET /api/auth/me has answered (with a user or with 401). */
  loaded: boolean
}

const state = reactive<SessionState>({
  user: null,
  csrfToken: '',
  permissions: [],
  loaded: false,
})

export const session = Object.assign(state, {
  set(user: User, csrfToken: string, permissions?: string[]) {
    state.user = user
    state.csrfToken = csrfToken
    if (permissions) state.permissions = permissions
    state.loaded = true
  },
  clear() {
    state.user = null
    state.csrfToken = ''
    state.permissions = []
    state.loaded = true
  },
})

export function can(perm: Permission | Permission[] | undefined): boolean {
  if (!perm) return true
  const list = Array.isArray(perm) ? perm : [perm]
  return list.every((p) => state.permissions.includes(p))
}
