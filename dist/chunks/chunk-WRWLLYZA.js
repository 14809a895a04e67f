import {
  applySchema,
  seed
} from "./chunk-NBWOXC2R.js";
import {
  createPool,
  databaseUrl,
  src_default
} from "./chunk-TFDB6JHZ.js";
import {
  SeedbedError,
  codes
} from "./chunk-K7UNPX46.js";

// lib/testing.ts
var ident = (name) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new SeedbedError(codes.BAD_OPTION, `database name '${name}' must be lower case letters, digits and _`, {
      hint: "pick a plain name"
    });
  }
  return `"${name}"`;
};
async function prepareTemplate(options) {
  const admin = src_default(options.serverUrl, { max: 1, onnotice: () => {
  } });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${ident(options.template)} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${ident(options.template)}`);
    const url = databaseUrl(options.serverUrl, options.template);
    const sql = createPool(url, 4);
    let result;
    try {
      await applySchema(sql, options.schemaDir);
      result = await seed({ ...options.seed, databaseUrl: url });
    } finally {
      await sql.end();
    }
    if (!result.ok)
      throw new SeedbedError(codes.SEED_FAILED, `seeding the template ${options.template} failed`, {
        hint: "run the seeds against it to see why"
      });
    await admin.unsafe(`ALTER DATABASE ${ident(options.template)} WITH IS_TEMPLATE true`);
    return result;
  } finally {
    await admin.end();
  }
}
async function cloneDatabase(serverUrl, template, name) {
  const admin = src_default(serverUrl, { max: 1, onnotice: () => {
  } });
  try {
    await admin.unsafe(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(serverUrl, name),
    async drop() {
      const a = src_default(serverUrl, { max: 1, onnotice: () => {
      } });
      await a.unsafe(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
      await a.end();
    }
  };
}
async function dropTemplate(serverUrl, template) {
  const admin = src_default(serverUrl, { max: 1, onnotice: () => {
  } });
  try {
    await admin.unsafe(`ALTER DATABASE ${ident(template)} WITH IS_TEMPLATE false`).catch(() => void 0);
    await admin.unsafe(`DROP DATABASE IF EXISTS ${ident(template)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
async function truncateAndReplant(url, options) {
  const sql = src_default(url, { max: 1, onnotice: () => {
  } });
  try {
    const tables = await sql`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname IN ('public', 'seedbed')`;
    if (tables.length) await sql.unsafe(`TRUNCATE ${tables.map((x) => x.t).join(", ")} RESTART IDENTITY CASCADE`);
  } finally {
    await sql.end();
  }
  return seed({ ...options, databaseUrl: url });
}
async function testServer(options = {}) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {
  } };
  const { startEmbedded } = await import("./embedded-RXLXRAYL.js");
  const { createLogger } = await import("./log-DRK3SIPN.js");
  const server = await startEmbedded({ dataDir: options.dataDir ?? ".seedbed", log: createLogger({ level: -999 }) });
  return { url: server.url, stop: () => server.stop() };
}

export {
  prepareTemplate,
  cloneDatabase,
  dropTemplate,
  truncateAndReplant,
  testServer
};
//# sourceMappingURL=chunk-WRWLLYZA.js.map
