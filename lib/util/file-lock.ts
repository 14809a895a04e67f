import { link, readFile, rm, writeFile } from 'node:fs/promises'
import { codes, SeedbedError } from '../errors/errors.ts'
import { processAlive } from './pid.ts'

import { sleep } from './retry.ts'

/**
 * Runs `fn` while holding a lock file that names this process: processes of one machine take turns
 * (the embedded test server's start and stop). The file is made by `link`, so it appears with its
 * pid already written; a file whose process is gone (killed while holding it) is taken over.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`
  await writeFile(mine, String(process.pid))
  try {
    for (const end = Date.now() + timeoutMs; ; ) {
      try {
        await link(mine, file)
        break
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      }
      const holder = Number(await readFile(file, 'utf8').catch(() => '0'))
      if (holder > 0 && !processAlive(holder)) {
        await rm(file, { force: true })
        continue
      }
      if (Date.now() > end) {
        throw new SeedbedError(codes.EMBEDDED, `the lock file ${file} is held by process ${holder}`, {
          file,
          hint: `wait for that process to end, or stop it (kill ${holder})`,
        })
      }
      await sleep(20)
    }
  } finally {
    await rm(mine, { force: true })
  }
  try {
    return await fn()
  } finally {
    await rm(file, { force: true })
  }
}
