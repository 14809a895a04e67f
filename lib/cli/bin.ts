#!/usr/bin/env node
/**
 * The `seedbed` command. In a project with a tasks.ts that uses `seedbed/tasks`, that file is run (so
 * the project's own tasks are there too); otherwise the built-in tasks run on their own.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureTypeScript, loadsAsCommonJs } from '../planning/typescript.ts'

const tasksFile = ['tasks.ts', 'tasks.mts', 'tasks.js', 'tasks.mjs'].map((f) => path.resolve(f)).find((f) => existsSync(f))
const argv = process.argv.slice(2)

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  // The version needs neither the project's tasks.ts nor TypeScript: printed (as the runner does) before either loads.
  const { seedbedVersion } = await import('../util/version.ts')
  process.stdout.write(`seedbed ${seedbedVersion()}\n`)
} else if (tasksFile && readFileSync(tasksFile, 'utf8').includes('seedbed/tasks')) {
  // What tasks.ts and its seeds import (the runner, the seed contract) and what the task will load (the
  // planner, the seeding API), loaded before tsx's hooks are: every module loaded after them goes
  // through tsx's loader thread (bench/startup.ts: about 70 ms more for the runner alone). A wrong
  // guess at the task (a flag's value) only loads a module early or leaves it to load later. Not in
  // a CommonJS project: a seed imported from a planner loaded outside tsx's hooks arrives wrapped in
  // CommonJS's `default` (test/bin.test.ts).
  const task = loadsAsCommonJs(tasksFile) ? undefined : argv.find((a) => !a.startsWith('-'))
  const seeding = task === 'seed' || task === 'fresh' || task === 'validate'
  await Promise.all([
    import('./runner.ts'),
    import('../contract/contract.ts'),
    (seeding || task === 'plan') && import('../planning/project.ts'),
    seeding && import('../execution/api.ts'),
  ])
  await ensureTypeScript(tasksFile)
  await import(pathToFileURL(tasksFile).href)
} else {
  const { runTasks } = await import('./runner.ts')
  await runTasks()
}
