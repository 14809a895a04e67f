import net from 'node:net'
import t from 'tap'
import { createPool } from '../lib/db/connect.ts'
import { testDatabase } from './helpers.ts'

// Hunk 5 of patches/postgres+3.4.9.patch: the driver's TCP sockets set TCP_NODELAY, as libpq does. Without it,
// Nagle's algorithm holds a small write that follows another (a COPY's CopyDone after its last CopyData)
// until the server's delayed ACK: 40 ms per COPY on Linux, which ctx.fake's CHECK judge paid per round.
const db = await testDatabase(t)

t.test("the driver's connections to a TCP server set TCP_NODELAY before they connect", async (t) => {
  const calls: { enable: boolean }[] = []
  const original = net.Socket.prototype.setNoDelay
  net.Socket.prototype.setNoDelay = function (enable?: boolean) {
    calls.push({ enable: enable !== false })
    return original.call(this, enable)
  }
  t.teardown(() => {
    net.Socket.prototype.setNoDelay = original
  })
  const sql = createPool(db.url, 1)
  t.teardown(() => sql.end({ timeout: 5 }))
  await sql`SELECT 1`
  t.same(calls, [{ enable: true }], 'the one connection opened set it, once')
})
