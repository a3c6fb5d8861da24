import { download, http } from './request'
import type { ImportEntity, ImportMode, Job } from './types'

/** Where an entity's import routes live: households belong to the grid module. */
const base = (entity: ImportEntity) => (entity === 'households' ? '/api/grid/households' : `/api/${entity}`)

export const downloadTemplate = (entity: ImportEntity) =>
  download(`${base(entity)}/import-template`, undefined, `${entity}-template.xlsx`)

/** Sends the file as the raw request body; the server answers 202 {jobId}. */
export const startImport = (entity: ImportEntity, mode: ImportMode, file: File) =>
  http.post<{ jobId: string | number }>(`${base(entity)}/import`, file, {
    query: { mode, fileName: file.name },
  })

export const getJob = (id: string | number) => http.get<Job>(`/api/jobs/${id}`)

export const downloadFile = (id: string | number, fallbackName = 'errors.xlsx') =>
  download(`/api/files/${id}`, undefined, fallbackName)
