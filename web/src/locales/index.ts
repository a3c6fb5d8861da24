// All user-visible text lives in zh-CN.json and en-US.json; zh-CN is the default.
import { createI18n } from 'vue-i18n'
import { computed } from 'vue'
import zhCN from './zh-CN.json'
import enUS from './en-US.json'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import elEn from 'element-plus/es/locale/lang/en'

export type Lang = 'zh-CN' | 'en-US'
export const LANGS: Lang[] = ['zh-CN', 'en-US']
const STORAGE_KEY = 'zg.lang'

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved === 'zh-CN' || saved === 'en-US') return saved
  } catch {
    /* storage disabled */
  }
  return 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: initialLang(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, 'en-US': enUS },
})

export function currentLang(): Lang {
  return i18n.global.locale.value as Lang
}

export function setLang(lang: Lang): void {
  i18n.global.locale.value = lang
  document.documentElement.lang = lang
  document.title = i18n.global.t('app.title')
  try {
    localStorage.setItem(STORAGE_KEY, lang)
  } catch {
    /* storage disabled */
  }
}

/** Element Plus' own texts (pagination, date pickers…) follow the chosen language. */
export const elementLocale = computed(() => (i18n.global.locale.value === 'en-US' ? elEn : elZhCn))

export const t = (key: string, named?: Record<string, unknown>): string =>
  named ? i18n.global.t(key, named) : i18n.global.t(key)
