// Value lists from GET /api/meta, fetched once per session and shared by every page.
import { reactive } from 'vue'
import type { Meta, Option } from '@/api/types'
import { getMeta } from '@/api/meta'

const empty: Meta = {
  roles: [],
  orgKinds: [],
  branchTypes: [],
  categories: [],
  sixCategories: [],
  educations: [],
  ethnicities: [],
  standings: [],
}

export const meta = reactive<Meta & { loaded: boolean }>({ ...empty, loaded: false })

let pending: Promise<void> | null = null

export function loadMeta(): Promise<void> {
  if (meta.loaded) return Promise.resolve()
  if (!pending) {
    pending = getMeta()
      .then((m) => {
        Object.assign(meta, empty, m, { loaded: true })
      })
      .finally(() => {
        pending = null
      })
  }
  return pending
}

/** The label of `value` in one of the meta lists, or the value itself when unknown. */
export function labelOf(list: Option[] | undefined, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  return list?.find((o) => o.value === value)?.label ?? value
}
