/**
 * The CLI's exit codes, as data for docs/reference.md (`npm run docs`). lib/cli/runner.ts picks them:
 * `exitStatus` (lib/errors/errors.ts) gives 1 or 2 from an error's kind, a signal gives 130 / 143.
 */
export const exitCodes = [
  { code: 0, meaning: 'every selected seed succeeded' },
  { code: 1, meaning: 'the run failed: a seed failed (the others are reported), or the database could not be reached' },
  { code: 2, meaning: 'the input is wrong (a flag, a seed file, the dependency graph); nothing ran' },
  { code: 130, meaning: 'interrupted (Ctrl-C); running transactions were rolled back by the server' },
  { code: 143, meaning: 'terminated (SIGTERM), as for Ctrl-C' },
] as const
