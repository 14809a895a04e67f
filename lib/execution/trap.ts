/**
 * What a seed does to the whole process, caught while a run's seeds run: `process.exit()` (which
 * ended the run with the seed's exit code, dependants never run, the ledger left `running`), and an
 * error nobody handles (a rejected promise the seed did not await, a throw in a timer), which
 * crashed the process with a raw stack. Each becomes the failure of the seed it came from, with a
 * code; one that comes from no running seed fails the run. Everything is put back when the run
 * ends: seedbed is a library, and a host's `process.exit` and listeners are its own.
 */
import type { LoadedSeed } from '../contract/contract.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { stackLocation } from '../errors/location.ts'

/** A running seed, and how to fail it (aborting its attempt with the error). */
interface Running {
  seed: LoadedSeed
  fail(err: SeedbedError): void
}

export interface SeedTrap {
  /** While a try of `seed` runs; the returned function ends it. */
  enter(seed: LoadedSeed, fail: (err: SeedbedError) => void): () => void
  /** An error that came from no running seed, if any: the run failed with it. */
  readonly runError: SeedbedError | undefined
  /** Puts process.exit and the listeners back. */
  dispose(): void
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err))

function exitError(seed: string | undefined, code: unknown): SeedbedError {
  const who = seed ? `seed '${seed}'` : 'code running during the seeds'
  return new SeedbedError(codes.SEED_EXIT, `${who} called process.exit(${code ?? ''}): the seed failed and was rolled back`, {
    ...(seed && { seed }),
    hint: 'throw an error instead: seedbed reports it, rolls the seed back and runs nothing that depends on it',
  })
}

function unhandledError(seed: LoadedSeed | undefined, err: unknown): SeedbedError {
  const location = seed && stackLocation(err, seed.file)
  const who = seed ? `seed '${seed.name}'` : 'the run'
  return new SeedbedError(
    codes.SEED_UNHANDLED,
    `${who} left an error nobody handled: ${message(err)}${location ? ` at ${location.where}` : ''}`,
    {
      ...(seed && { seed: seed.name }),
      ...(location && { file: seed.file, line: location.line, column: location.column }),
      ...(err instanceof Error && err.stack && { stack: err.stack }),
      hint: 'await the promise, or catch the error, inside run(): a rejection nobody awaits or a throw in a timer is lost to the seed',
      cause: err,
    },
  )
}

/** One run's trap: its running seeds, and the error that came from none of them. */
interface Trap {
  running: Set<Running>
  runError?: SeedbedError
}

/**
 * The traps of the runs in progress: runs of several databases share the process (lib/execution/many.ts),
 * so process.exit and the listeners are taken once, by the first run, and given back by the last.
 */
const traps = new Set<Trap>()
let hostExit: typeof process.exit | undefined

/** The running seeds an error is about: the one it names, or whose file its stack shows; else all of them. */
function culprits(err: unknown): Running[] {
  const running = [...traps].flatMap((trap) => [...trap.running])
  const named = err instanceof SeedbedError && err.seed ? running.filter((r) => r.seed.name === err.seed) : []
  if (named.length) return named
  const inStack = running.filter((r) => stackLocation(err, r.seed.file))
  return inStack.length ? inStack : running
}

function onError(err: unknown): void {
  const found = culprits(err)
  if (!found.length) {
    // A seed that already ended (its late query was refused), or no seed at all: the runs fail.
    for (const trap of traps) trap.runError ??= err instanceof SeedbedError ? err : unhandledError(undefined, err)
    return
  }
  for (const r of found) r.fail(err instanceof SeedbedError && err.seed === r.seed.name ? err : unhandledError(r.seed, err))
}

function trappedExit(code?: number | string | null): never {
  const found = culprits(new Error('process.exit'))
  if (!found.length) return hostExit!.call(process, code as number)
  const err = exitError(found.length === 1 ? found[0]!.seed.name : undefined, code)
  for (const r of found) r.fail(found.length === 1 ? err : exitError(r.seed.name, code))
  // process.exit never returns: the seed's code after it must not run either.
  throw err
}

/** Catches process.exit and unhandled errors for the seeds that `enter` while it is installed. */
export function trapSeeds(): SeedTrap {
  const trap: Trap = { running: new Set() }
  if (!traps.size) {
    hostExit = process.exit
    process.exit = trappedExit as typeof process.exit
    process.on('unhandledRejection', onError)
    process.on('uncaughtException', onError)
  }
  traps.add(trap)
  return {
    enter(seed, fail) {
      const r = { seed, fail }
      trap.running.add(r)
      return () => trap.running.delete(r)
    },
    get runError() {
      return trap.runError
    },
    dispose() {
      if (!traps.delete(trap) || traps.size) return
      // A host that replaced process.exit meanwhile keeps its own.
      if (process.exit === trappedExit) process.exit = hostExit!
      hostExit = undefined
      process.off('unhandledRejection', onError)
      process.off('uncaughtException', onError)
    },
  }
}
