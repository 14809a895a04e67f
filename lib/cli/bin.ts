#!/usr/bin/env node
/**
 * The `seedbed` command. In a project with a tasks.ts that uses `seedbed/tasks`, that file is run (so
 * the project's own tasks are there too); otherwise the built-in tasks run on their own.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { runTasks } from './runner.ts'
import { ensureTypeScript } from '../planning/typescript.ts'

const tasksFile = ['tasks.ts', 'tasks.mts', 'tasks.js', 'tasks.mjs'].map((f) => path.resolve(f)).find((f) => existsSync(f))

if (tasksFile && readFileSync(tasksFile, 'utf8').includes('seedbed/tasks')) {
  await ensureTypeScript(tasksFile)
  await import(pathToFileURL(tasksFile).href)
} else {
  await runTasks()
}
