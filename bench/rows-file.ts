import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { CopyRow } from '../lib/contract/types.ts'
import { rowEncoder } from '../lib/sql/copy.ts'

/** Writes rows as a COPY text file (what `psql \copy` loads in the benchmarks' baselines), 5,000 rows a write. */
export async function writeRowsFile(file: string, columns: readonly string[], table: string, rows: Iterable<CopyRow>): Promise<void> {
  const out = createWriteStream(file)
  const encode = rowEncoder(columns, table)
  let chunk = ''
  let i = 0
  for (const r of rows) {
    chunk += encode(r, i++)
    if (i % 5000 === 0) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  await new Promise<void>((res, rej) => {
    out.once('error', rej)
    out.end(chunk, () => res())
  })
}
