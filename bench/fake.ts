/**
 * Fake-row generation alone, no database.
 *
 * 1. 200k customer-like rows (email, name, date, score), each from a faker reseeded for its row, made
 *    and encoded as COPY text. Measured in one run, alternating (median of --runs): faker's default
 *    Mersenne Twister reseeded per row (seedbed before its counter-based generator), seedbed's
 *    `fakerFor` reseeded per row, `fakerFor` never reseeded (faker's own cost of the values), and the
 *    same row built with `fakePerson` (one first and last name for both name and email, no template
 *    engine).
 * 2. With `--workers 1,2` (default), 1M rows (`--worker-rows`): the `fakePerson` rows made and encoded in worker threads, chunks
 *    of 1,000 rows dealt round-robin to the workers and taken back in order on the main thread (as a
 *    COPY would send them), against the main thread alone (0 workers). Prints rows/s, the main
 *    thread's event-loop utilisation, and a digest of the bytes in order: the same for every worker
 *    count, since row i is made from a faker reseeded for row i. A worker's start-up (tsx and faker
 *    loaded in each thread) is part of its time, as it would be for a seed.
 *
 *   npx tsx bench/fake.ts [--rows 200000] [--runs 3] [--workers 1,2] [--worker-rows 1000000]
 */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { Faker } from '@faker-js/faker'
import { faker as english } from '@faker-js/faker/locale/en'
import type { CopyRow } from '../lib/contract/types.ts'
import { FAKE_REFERENCE_DATE, fakePerson, fakerFor, stableHash, uniqueEmail } from '../lib/helpers/fake.ts'
import { rowEncoder } from '../lib/sql/copy.ts'

const COLUMNS = ['id', 'email', 'name', 'created_at', 'score']
const KEY = stableHash('customers')
const CHUNK = 1000

/** Row i, the way docs/bulk-loading.md recommends: reseeded for the row, fakePerson for name and email. */
function personRow(faker: Faker, i: number): CopyRow {
  faker.seed([KEY, i])
  const p = fakePerson(faker, i)
  return [i, p.email, p.name, faker.date.past({ years: 3 }), faker.number.int({ min: 0, max: 1000 })]
}

/** Chunk k (rows k*CHUNK+1 ...) encoded as COPY text bytes. */
function encodeChunk(faker: Faker, encode: (row: CopyRow, i: number) => string, k: number, rows: number): Uint8Array {
  let text = ''
  for (let i = k * CHUNK + 1, end = Math.min(rows, (k + 1) * CHUNK); i <= end; i++) text += encode(personRow(faker, i), i)
  return Buffer.from(text)
}

async function main() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '200000' },
      runs: { type: 'string', default: '3' },
      workers: { type: 'string', default: '1,2' },
      'worker-rows': { type: 'string', default: '1000000' },
    },
  })
  const rows = Number(values.rows)
  const runs = Number(values.runs)

  /** faker as seedbed made it before: the package's default randomizer, a Mersenne Twister. */
  function twisterFaker(): Faker {
    const FakerClass = english.constructor as new (options: { locale: Faker['rawDefinitions'] }) => Faker
    const faker = new FakerClass({ locale: english.rawDefinitions })
    faker.seed(KEY)
    faker.setDefaultRefDate(FAKE_REFERENCE_DATE)
    return faker
  }
  function* customers(faker: Faker, reseed: boolean): Generator<CopyRow> {
    for (let i = 1; i <= rows; i++) {
      if (reseed) faker.seed([KEY, i])
      yield [i, uniqueEmail(faker, i), faker.person.fullName(), faker.date.past({ years: 3 }), faker.number.int({ min: 0, max: 1000 })]
    }
  }
  function* people(faker: Faker): Generator<CopyRow> {
    for (let i = 1; i <= rows; i++) yield personRow(faker, i)
  }
  const cases: [string, () => Generator<CopyRow>][] = [
    ['Mersenne Twister, reseeded per row (before)', () => customers(twisterFaker(), true)],
    ['fakerFor, reseeded per row', () => customers(fakerFor('customers'), true)],
    ['fakerFor, never reseeded', () => customers(fakerFor('customers'), false)],
    ['fakerFor, reseeded per row, fakePerson', () => people(fakerFor('customers'))],
  ]
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]))
  for (let run = 0; run < runs; run++) {
    for (const [name, make] of cases) {
      const encode = rowEncoder(COLUMNS, 'customers')
      const t0 = performance.now()
      let i = 0
      for (const r of make()) encode(r, i++)
      times.get(name)!.push(performance.now() - t0)
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const before = median(times.get(cases[0]![0])!)
  console.log(`${rows} customer-like rows, generated and encoded, median of ${runs} (node ${process.version})`)
  console.log('| case | ms | rows/s | speed-up vs before |')
  console.log('| --- | --- | --- | --- |')
  for (const [name] of cases) {
    const ms = median(times.get(name)!)
    console.log(`| ${name} | ${ms.toFixed(0)} | ${Math.round((rows / ms) * 1000)} | ${(before / ms).toFixed(2)}x |`)
  }

  const workerRows = Number(values['worker-rows'])
  const counts = [0, ...values.workers.split(',').filter(Boolean).map(Number)]
  const results = new Map<number, { ms: number[]; elu: number[]; digest: string }>()
  for (let run = 0; run < runs; run++) {
    for (const workers of counts) {
      const elu0 = performance.eventLoopUtilization()
      const t0 = performance.now()
      const digest = workers === 0 ? mainThread(workerRows) : await inWorkers(workerRows, workers)
      const ms = performance.now() - t0
      const elu = performance.eventLoopUtilization(elu0).utilization
      const r = results.get(workers) ?? { ms: [], elu: [], digest }
      r.ms.push(ms)
      r.elu.push(elu)
      if (r.digest !== digest) throw new Error(`${workers} workers made other bytes on run ${run + 1}`)
      results.set(workers, r)
    }
  }
  const base = median(results.get(0)!.ms)
  console.log(`\n${workerRows} fakePerson rows made and encoded to COPY bytes, taken in order on the main thread, median of ${runs}`)
  console.log('| generators | ms | rows/s | vs main thread | main-thread busy | digest of the bytes |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const workers of counts) {
    const r = results.get(workers)!
    const ms = median(r.ms)
    const name = workers === 0 ? 'main thread' : `${workers} worker${workers > 1 ? 's' : ''}`
    console.log(
      `| ${name} | ${ms.toFixed(0)} | ${Math.round((workerRows / ms) * 1000)} | ${(base / ms).toFixed(2)}x | ${(median(r.elu) * 100).toFixed(0)}% | ${r.digest.slice(0, 12)} |`,
    )
  }
  const digests = new Set([...results.values()].map((r) => r.digest))
  console.log(digests.size === 1 ? 'the same bytes whatever the worker count' : 'DIFFERENT bytes by worker count')
}

function mainThread(rows: number): string {
  const faker = fakerFor('customers')
  const encode = rowEncoder(COLUMNS, 'customers')
  const hash = createHash('sha256')
  for (let k = 0; k * CHUNK < rows; k++) hash.update(encodeChunk(faker, encode, k, rows))
  return hash.digest('hex')
}

// Node 20 does not pass tsx's loader on to worker threads: each registers it, then loads this file.
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}) })`

/** Chunks from `workers` threads, reordered: chunk k is used once chunks 0..k-1 have been. */
async function inWorkers(rows: number, workers: number): Promise<string> {
  const hash = createHash('sha256')
  const pending = new Map<number, Uint8Array>()
  const chunks = Math.ceil(rows / CHUNK)
  let next = 0
  const threads = Array.from({ length: workers }, (_, index) => new Worker(BOOT, { eval: true, workerData: { index, workers, rows } }))
  try {
    await new Promise<void>((resolve, reject) => {
      for (const w of threads) {
        w.on('error', reject)
        w.on('message', ({ k, bytes }: { k: number; bytes: Uint8Array }) => {
          pending.set(k, bytes)
          while (pending.has(next)) {
            hash.update(pending.get(next)!)
            pending.delete(next++)
          }
          if (next === chunks) resolve()
        })
      }
    })
  } finally {
    await Promise.all(threads.map((w) => w.terminate()))
  }
  return hash.digest('hex')
}

if (!isMainThread) {
  // A worker: chunks k = index, index + workers, ... of the rows, each posted as it is made.
  const { index, workers, rows } = workerData as { index: number; workers: number; rows: number }
  const faker = fakerFor('customers')
  const encode = rowEncoder(COLUMNS, 'customers')
  for (let k = index; k * CHUNK < rows; k += workers) {
    const bytes = encodeChunk(faker, encode, k, rows)
    parentPort!.postMessage({ k, bytes }, [bytes.buffer as ArrayBuffer])
  }
} else {
  await main()
}
