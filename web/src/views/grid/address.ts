import type { ComposerTranslation } from 'vue-i18n'

/** A household's address as residents say it: the street address, then 幢/单元/室 when it has them. */
export function householdAddress(
  t: ComposerTranslation,
  h: { address: string; building?: string | null; unit?: string | null; room?: string | null },
): string {
  if (!h.building) return h.address
  return (
    h.address +
    t('grid.addressParts.building', { n: h.building }) +
    (h.unit ? t('grid.addressParts.unit', { n: h.unit }) : '') +
    (h.room ? t('grid.addressParts.room', { n: h.room }) : '')
  )
}
