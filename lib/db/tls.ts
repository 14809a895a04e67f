import { readFileSync } from 'node:fs'
import path from 'node:path'
import { checkServerIdentity, type ConnectionOptions } from 'node:tls'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Target } from '../errors/pg-errors.ts'
import { addSecret } from '../errors/redact.ts'

/**
 * libpq's TLS parameters in a connection string (`?sslmode=verify-full&sslrootcert=ca.pem`), turned
 * into postgres.js's `ssl` option. postgres.js reads `sslmode` itself but treats verify-ca as
 * verify-full, never reads the CA file, and sends `sslrootcert`, `sslcert`... to the server as
 * settings (which it rejects), so seedbed takes them out of the URL it hands over.
 */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const
export type SslMode = (typeof SSL_MODES)[number]

const TLS_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword', 'sslcrl'] as const

export interface Tls {
  /** The connection string without the parameters above. */
  url: string
  /** postgres.js's `ssl`: undefined leaves its default (no TLS). */
  ssl?: false | 'prefer' | ConnectionOptions
  /** The mode in effect, when the URL asked for one. */
  mode?: SslMode
  /** The CA file the server's certificate is checked against (sslrootcert), as given. */
  caFile?: string
}

function readParamFile(param: string, file: string): Buffer {
  try {
    return readFileSync(path.resolve(file))
  } catch (cause) {
    throw new SeedbedError(
      codes.BAD_OPTION,
      `${param} in DATABASE_URL names ${file}, which cannot be read (${(cause as NodeJS.ErrnoException).code ?? cause})`,
      { file, hint: `fix the path of ${param} (relative paths start from ${process.cwd()})`, cause },
    )
  }
}

/** Reads the TLS parameters of a connection string as libpq defines them. */
export function tlsFor(url: string): Tls {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { url } // parseDatabaseUrl says what is wrong with it
  }
  const q = parsed.searchParams
  if (!TLS_PARAMS.some((p) => q.has(p))) return { url }
  const get = (p: string) => q.get(p) || undefined
  const rootCert = get('sslrootcert')
  const cert = get('sslcert')
  const key = get('sslkey')
  const passphrase = get('sslpassword')
  const crl = get('sslcrl')
  // libpq's default is prefer; sslrootcert=system means verify-full; require with a CA file is verify-ca.
  let mode = get('sslmode') ?? 'prefer'
  addSecret(passphrase)
  for (const p of TLS_PARAMS) q.delete(p)
  const stripped = parsed.toString()

  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new SeedbedError(codes.BAD_OPTION, `sslmode '${mode}' in DATABASE_URL is not one of ${SSL_MODES.join(', ')}`, {
      hint: 'use sslmode=verify-full (with sslrootcert=<CA file>) for a server on the network, require at least',
    })
  }
  if (rootCert === 'system') mode = 'verify-full'
  else if (rootCert && mode === 'require') mode = 'verify-ca'
  const sslMode = mode as SslMode
  if (sslMode === 'disable') return { url: stripped, ssl: false, mode: sslMode }
  // allow and prefer both take TLS when the server offers it, and check nothing.
  if (sslMode === 'allow' || sslMode === 'prefer') return { url: stripped, ssl: 'prefer', mode: sslMode }

  const ssl: ConnectionOptions = { rejectUnauthorized: sslMode !== 'require' }
  const caFile = rootCert && rootCert !== 'system' ? rootCert : undefined
  if (caFile && sslMode !== 'require') ssl.ca = readParamFile('sslrootcert', caFile)
  if (cert) ssl.cert = readParamFile('sslcert', cert)
  if (key) ssl.key = readParamFile('sslkey', key)
  if (passphrase) ssl.passphrase = passphrase
  if (crl) ssl.crl = readParamFile('sslcrl', crl)
  // verify-ca: the chain must lead to the CA, whatever names the certificate carries.
  if (sslMode === 'verify-ca') ssl.checkServerIdentity = () => undefined
  // verify-full: postgres.js gives Node no name for a host that is an IP address, and Node then
  // checks the certificate against 'localhost'; check it against the host of the URL instead.
  else if (sslMode === 'verify-full' && parsed.hostname && !parsed.hostname.includes(',')) {
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
    ssl.checkServerIdentity = (_name, peer) => checkServerIdentity(host, peer)
  }
  return { url: stripped, ssl, mode: sslMode, caFile }
}

/** Node's codes for a certificate chain that does not lead to a trusted CA. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
])

/** The names a certificate is for: its subjectAltName entries, else its CN. */
function certNames(cert: { subjectaltname?: string; subject?: { CN?: string | string[] } } | undefined): string {
  const alt = cert?.subjectaltname
    ?.split(/,\s*/)
    .map((n) => n.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean)
  if (alt?.length) return alt.join(', ')
  const cn = cert?.subject?.CN
  return (Array.isArray(cn) ? cn.join(', ') : cn) || 'no name'
}

/**
 * The TLS failure an error from the first connection stands for, as E_TLS, or undefined when it is
 * not about TLS. Told apart by Node's codes, and, for a server that refuses TLS, by the connection
 * dying before the handshake when TLS was required.
 */
export function tlsError(err: unknown, tls: Tls, target: Target): SeedbedError | undefined {
  if (!tls.mode || tls.mode === 'disable') return undefined
  const e = (err ?? {}) as { code?: string; message?: string; host?: string; cert?: Parameters<typeof certNames>[0] }
  const where = `${target.host ?? 'localhost'}:${target.port ?? 5432}`
  const make = (message: string, hint: string) => new SeedbedError(codes.TLS, message, { hint, cause: err, file: tls.caFile })
  if (e.code && UNTRUSTED.has(e.code)) {
    return tls.caFile
      ? make(
          `the server's certificate is not signed by the CA in ${tls.caFile} (${where}, ${e.code})`,
          'set sslrootcert to the CA that signed the server certificate (your provider publishes it)',
        )
      : make(
          `the server's certificate is not signed by a CA this system trusts (${where}, ${e.code})`,
          'download the CA that signed the server certificate and add sslrootcert=<file> to DATABASE_URL',
        )
  }
  if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return make(
      `the certificate is for ${certNames(e.cert)}, not ${target.host ?? e.host} (${where})`,
      'connect with a host name the certificate names, or use sslmode=verify-ca to check the CA alone',
    )
  }
  if (tls.mode !== 'prefer' && tls.mode !== 'allow' && /before secure TLS connection was established/.test(e.message ?? '')) {
    return make(
      `the server does not accept TLS (${where}, sslmode=${tls.mode})`,
      'turn ssl on in the server, or connect with sslmode=prefer or disable if this network is trusted',
    )
  }
  if (e.code && /^(ERR_SSL_|ERR_TLS_|CERT_)/.test(e.code)) {
    return make(
      `TLS with ${where} failed: ${e.message} (${e.code})`,
      'check the server certificate and the ssl* parameters of DATABASE_URL',
    )
  }
  return undefined
}
