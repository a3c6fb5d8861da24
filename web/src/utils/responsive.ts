// One shared flag for phone-width screens (< 768px): menus become a drawer, forms one column.
import { ref } from 'vue'

const query = typeof window !== 'undefined' ? window.matchMedia('(max-width: 767px)') : null
export const isMobile = ref(query ? query.matches : false)
query?.addEventListener('change', (e) => {
  isMobile.value = e.matches
})
