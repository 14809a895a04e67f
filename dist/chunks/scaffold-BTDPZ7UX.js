import {
  SEED_NAME
} from "./chunk-IO7WYGO7.js";
import {
  SeedbedError,
  codes
} from "./chunk-K7UNPX46.js";
import "./chunk-MHV4YG4X.js";

// lib/cli/scaffold.ts
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
function seedTemplate(name, contractPath) {
  return `import { defineSeed } from '${contractPath}'

export default defineSeed({
  name: '${name}',
  description: 'What this seed provides, in one line',
  dependsOn: [],
  async run({ upsert }) {
    // Rows are matched on the conflict columns; existing rows that already hold these
    // values are skipped, so running the seed again writes nothing.
    await upsert('${name}', [
      // { name: 'example' },
    ], { conflict: ['name'] })
  },
})
`;
}
async function newSeedFile(seedsDir, name, contractFile) {
  if (!SEED_NAME.test(name)) {
    throw new SeedbedError(codes.BAD_OPTION, `seed name '${name}' must be lower case letters, digits, '_' or '-'`, {
      hint: "for example: seedbed new order_items"
    });
  }
  const file = path.join(seedsDir, `${name}.ts`);
  if (existsSync(file)) {
    throw new SeedbedError(codes.SEED_EXISTS, `${path.relative(process.cwd(), file)} already exists`, {
      file,
      seed: name,
      hint: "choose another name, or edit that file"
    });
  }
  await mkdir(seedsDir, { recursive: true });
  let specifier = "seedbed";
  if (contractFile) {
    specifier = path.relative(seedsDir, contractFile).split(path.sep).join("/");
    if (!specifier.startsWith(".")) specifier = `./${specifier}`;
  }
  await writeFile(file, seedTemplate(name, specifier));
  return file;
}
export {
  newSeedFile,
  seedTemplate
};
//# sourceMappingURL=scaffold-BTDPZ7UX.js.map
