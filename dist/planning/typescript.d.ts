export declare function ensureTypeScript(file: string): Promise<void>;
