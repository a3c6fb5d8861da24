import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { session, can } from '@/stores/session'
import { loadMeta } from '@/stores/meta'
import { me } from '@/api/auth'
import { isApiError, setUnauthenticatedHandler } from '@/api/request'
import { Perm, type Permission } from '@/permissions'
import { t } from '@/locales'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** Permissions the page needs; without them the user sees the 403 page. */
    perm?: Permission | Permission[]
    /** Locale key of the page title. */
    title?: string
    /** Locale key of the side-menu entry to highlight (for detail pages). */
    menu?: string
  }
}

const BasicLayout = () => import('@/layouts/BasicLayout.vue')

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/login/index.vue'),
    meta: { public: true, title: 'login.title' },
  },
  {
    path: '/p/:token([0-9a-f]{32})',
    name: 'public-branch',
    component: () => import('@/views/public-branch/index.vue'),
    meta: { public: true, title: 'publicBranch.title' },
  },
  {
    path: '/mq/r/:token([0-9a-f]{32})',
    name: 'problems-public-card',
    component: () => import('@/views/problems/public.vue'),
    meta: { public: true, title: 'problems.public.title' },
  },
  {
    path: '/mq',
    name: 'problems-public',
    component: () => import('@/views/problems/public.vue'),
    meta: { public: true, title: 'problems.public.title' },
  },
  {
    path: '/t/:code',
    name: 'transfer-receipt',
    component: () => import('@/views/transfer/receipt.vue'),
    meta: { public: true, title: 'transfer.receipt.title' },
  },
  {
    path: '/',
    component: BasicLayout,
    children: [
      { path: '', name: 'home', component: () => import('@/views/home/index.vue') },
      {
        path: 'me',
        name: 'me',
        component: () => import('@/views/me/index.vue'),
        meta: { title: 'me.title' },
      },
      {
        path: 'orgs',
        name: 'orgs',
        component: () => import('@/views/orgs/index.vue'),
        meta: { perm: Perm.OrgRead, title: 'menu.orgs' },
      },
      {
        path: 'members',
        name: 'members',
        component: () => import('@/views/members/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'menu.memberList' },
      },
      {
        path: 'members/new',
        name: 'member-new',
        component: () => import('@/views/member-edit/index.vue'),
        meta: { perm: Perm.MemberWrite, title: 'memberEdit.newTitle', menu: '/members' },
      },
      {
        path: 'members/:id(\\d+)',
        name: 'member-detail',
        component: () => import('@/views/member-detail/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'memberDetail.title', menu: '/members' },
      },
      {
        path: 'members/:id(\\d+)/edit',
        name: 'member-edit',
        component: () => import('@/views/member-edit/index.vue'),
        meta: { perm: Perm.MemberWrite, title: 'memberEdit.editTitle', menu: '/members' },
      },
      {
        path: 'mobile',
        name: 'mobile',
        component: () => import('@/views/mobile/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'mobile.title' },
      },
      {
        path: 'dashboard',
        name: 'dashboard',
        component: () => import('@/views/dashboard/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'dashboard.title' },
      },
      {
        path: 'figures',
        name: 'figures',
        component: () => import('@/views/figures/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'figures.title' },
      },
      {
        path: 'pipeline',
        name: 'pipeline',
        component: () => import('@/views/pipeline/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'pipeline.title' },
      },
      {
        path: 'pipeline/:id(\\d+)',
        name: 'pipeline-applicant',
        component: () => import('@/views/pipeline/applicant.vue'),
        meta: { perm: Perm.MemberRead, title: 'pipeline.title', menu: '/pipeline' },
      },
      {
        path: 'dual',
        name: 'dual',
        component: () => import('@/views/dual/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'dual.title' },
      },
      {
        path: 'evaluation',
        name: 'evaluation',
        component: () => import('@/views/evaluation/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'evaluation.title' },
      },
      {
        path: 'evaluation/:id(\\d+)',
        name: 'evaluation-campaign',
        component: () => import('@/views/evaluation/campaign.vue'),
        meta: { perm: Perm.MemberRead, title: 'evaluation.title', menu: '/evaluation' },
      },
      {
        path: 'marks',
        name: 'marks',
        component: () => import('@/views/marks/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'marks.title' },
      },
      {
        path: 'grid',
        name: 'grid',
        component: () => import('@/views/grid/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'grid.title' },
      },
      {
        path: 'grid/coverage',
        name: 'grid-coverage',
        component: () => import('@/views/grid/Coverage.vue'),
        meta: { perm: Perm.OrgRead, title: 'grid.coverageTitle' },
      },
      {
        path: 'grid/mine',
        name: 'grid-mine',
        component: () => import('@/views/grid/MyHouseholds.vue'),
        meta: { title: 'grid.myTitle' },
      },
      {
        path: 'grid/visit/:id(\\d+)',
        name: 'grid-visit',
        component: () => import('@/views/visits/LogVisit.vue'),
        meta: { title: 'visits.logTitle', menu: '/grid/mine' },
      },
      {
        path: 'grid/visits',
        name: 'grid-visits',
        component: () => import('@/views/visits/Visits.vue'),
        meta: { title: 'visits.title' },
      },
      {
        path: 'grid/households/:id(\\d+)',
        name: 'grid-household',
        component: () => import('@/views/grid/Household.vue'),
        meta: { title: 'grid.householdTitle' },
      },
      {
        path: 'me/problems/:id(\\d+)',
        name: 'my-problem',
        component: () => import('@/views/problems/MyProblem.vue'),
        meta: { title: 'problems.mine.title', menu: '/me' },
      },
      {
        path: 'problems',
        name: 'problems',
        component: () => import('@/views/problems/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'problems.title' },
      },
      {
        path: 'problems/:id(\\d+)',
        name: 'problem-detail',
        component: () => import('@/views/problems/detail.vue'),
        meta: { perm: Perm.MemberRead, title: 'problems.detailTitle', menu: '/problems' },
      },
      {
        path: 'mobilize',
        name: 'mobilize',
        component: () => import('@/views/mobilize/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'mobilize.title' },
      },
      {
        path: 'mobilize/:id(\\d+)',
        name: 'mobilize-detail',
        component: () => import('@/views/mobilize/Detail.vue'),
        meta: { perm: Perm.MemberRead, title: 'mobilize.title' },
      },
      {
        path: 'notify/outbox',
        name: 'notify-outbox',
        component: () => import('@/views/mobilize/Outbox.vue'),
        meta: { perm: Perm.AuditRead, title: 'mobilize.outboxTitle' },
      },
      {
        path: 'transfers',
        name: 'transfers',
        component: () => import('@/views/transfer/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'transfer.title' },
      },
      {
        path: 'transfers/:id(\\d+)',
        name: 'transfer-detail',
        component: () => import('@/views/transfer/detail.vue'),
        meta: { perm: Perm.MemberRead, title: 'transfer.detailTitle', menu: '/transfers' },
      },
      {
        path: 'dues',
        name: 'dues',
        component: () => import('@/views/dues/index.vue'),
        meta: { perm: Perm.MemberRead, title: 'dues.title' },
      },
      {
        path: 'import',
        name: 'import',
        component: () => import('@/views/import/index.vue'),
        meta: { title: 'menu.import' },
      },
      {
        path: 'audit',
        name: 'audit',
        component: () => import('@/views/audit/index.vue'),
        meta: { perm: Perm.AuditRead, title: 'menu.audit' },
      },
      {
        path: 'settings',
        name: 'settings',
        component: () => import('@/views/settings/index.vue'),
        meta: { perm: Perm.SettingsWrite, title: 'menu.settings' },
      },
      {
        path: 'users',
        name: 'users',
        component: () => import('@/views/users/index.vue'),
        meta: { perm: Perm.UserManage, title: 'menu.users' },
      },
      {
        path: 'security',
        name: 'security',
        component: () => import('@/views/security/index.vue'),
        meta: { title: 'security.title' },
      },
      {
        path: 'sign-ins',
        name: 'sign-ins',
        component: () => import('@/views/security/SignIns.vue'),
        meta: { title: 'signIns.title' },
      },
      {
        path: 'users/:id(\\d+)/sign-ins',
        name: 'user-sign-ins',
        component: () => import('@/views/security/SignIns.vue'),
        meta: { perm: Perm.UserManage, title: 'signIns.titleUser' },
      },
      {
        path: '403',
        name: 'forbidden',
        component: () => import('@/views/error/Forbidden.vue'),
        meta: { title: 'error.forbiddenTitle' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/error/NotFound.vue'),
        meta: { title: 'error.notFoundTitle' },
      },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

/** Loads the session once per page load; false when nobody is signed in. */
async function ensureSession(): Promise<boolean> {
  if (session.loaded) return !!session.user
  try {
    const m = await me()
    session.set(m.user, m.csrfToken, m.permissions)
    return true
  } catch (e) {
    if (isApiError(e) && e.status === 401) {
      session.clear()
      return false
    }
    throw e
  }
}

router.beforeEach(async (to) => {
  if (to.meta.public) {
    // Someone already signed in who opens /login goes straight to the application.
    if (to.name === 'login' && session.loaded && session.user) return { path: '/' }
    return true
  }
  let signedIn = false
  try {
    signedIn = await ensureSession()
  } catch {
    // The server is unreachable: show the login page, which reports errors on its own.
    signedIn = false
  }
  if (!signedIn) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  loadMeta().catch(() => undefined)
  if (to.meta.perm && !can(to.meta.perm)) return { name: 'forbidden', query: { from: to.fullPath } }
  return true
})

router.afterEach((to) => {
  const title = to.meta.title ? t(to.meta.title) : ''
  document.title = title ? `${title} - ${t('app.title')}` : t('app.title')
})

setUnauthenticatedHandler(() => {
  const current = router.currentRoute.value
  if (current.name === 'login') return
  router.replace({ name: 'login', query: { redirect: current.fullPath } })
})

/** The first page the signed-in user may open, for "/" and after login. */
export function homePath(): string {
  if (session.user?.role === 'member' && session.user.memberId) return '/me'
  if (can(Perm.OrgRead)) return '/orgs'
  if (can(Perm.MemberRead)) return '/members'
  if (can(Perm.AuditRead)) return '/audit'
  if (can(Perm.UserManage)) return '/users'
  if (can(Perm.SettingsWrite)) return '/settings'
  return '/403'
}
