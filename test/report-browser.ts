/**
 * A real headless Chromium for the report tests: Debian's chromium-headless-shell driven by
 * playwright-core (no browser download). Kept off the network by flags; every request a page makes
 * is recorded and aborted, so a test can assert that a report asks for nothing.
 */
import { access } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'

export const CHROMIUM = process.env.SEEDBED_CHROMIUM || '/usr/bin/chromium-headless-shell'

// Without the background-networking flags Chromium reaches for Google's hosts at every start.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
]

/** Why there is no browser to test with, or undefined when there is one. */
export async function browserMissing(): Promise<string | undefined> {
  try {
    await access(CHROMIUM)
    return undefined
  } catch {
    return `${CHROMIUM} is missing (apt-get install -y chromium-headless-shell; .ci/run installs it)`
  }
}

/**
 * tap's skip option for a browser test: skipped where the browser is missing, except in CI (CI set,
 * as for the PgBouncer tests), where the test runs and fails on the missing browser.
 */
export async function skipUnlessBrowser(): Promise<string | false> {
  const missing = await browserMissing()
  return missing && !process.env.CI ? missing : false
}

export async function launch(): Promise<Browser> {
  const missing = await browserMissing()
  if (missing) throw new Error(`no browser for the report tests: ${missing}`)
  const { chromium } = await import('playwright-core')
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}

export interface OpenedPage {
  page: Page
  /** Every request the page made besides loading the file itself. */
  requests: string[]
}

/** Opens a file as a user would (file://), recording and refusing every other request. */
export async function openFile(browser: Browser, file: string, viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport, offline: true })
  const page = await context.newPage()
  const url = pathToFileURL(file).href
  const requests: string[] = []
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url())
  })
  await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()))
  await page.goto(url, { waitUntil: 'load' })
  return { page, requests }
}

/** Pairs of boxes that overlap (by more than a pixel's rounding), for "no two names cover each other". */
export function overlaps(boxes: readonly { name: string; x: number; y: number; width: number; height: number }[]): string[] {
  const out: string[] = []
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!
      const b = boxes[j]!
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
      if (w > 0.5 && h > 0.5) out.push(`${a.name} / ${b.name}`)
    }
  }
  return out
}

/** Where a screenshot goes: docs/ when SEEDBED_SCREENSHOTS=docs (to refresh the committed pictures), else `fallback`. */
export function screenshotPath(name: string, docsDir: string, fallbackDir: string): string {
  return `${process.env.SEEDBED_SCREENSHOTS === 'docs' ? docsDir : fallbackDir}/${name}`
}
