/** The file `new <name>` writes: a working, idempotent seed to edit. */
export declare function seedTemplate(name: string, contractPath: string): string;
/** Writes `<seedsDir>/<name>.ts` from the template; refuses to overwrite. */
export declare function newSeedFile(seedsDir: string, name: string, contractFile?: string): Promise<string>;
