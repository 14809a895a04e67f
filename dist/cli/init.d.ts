/**
 * `seedbed init`: adds seedbed to an existing project. It writes only files that do not exist, adds
 * only package.json scripts, Makefile targets and .env.example lines that are missing, and reports
 * everything it wrote and everything it left alone.
 */
export interface InitOptions {
    /** The project's folder (where package.json is). */
    dir: string;
    /** Seeds folder, relative to `dir` (default `seeds`). */
    seedsDir?: string;
    /** Report what would be done; write nothing. */
    dryRun?: boolean;
}
export interface InitReport {
    dryRun: boolean;
    /** Files created. */
    written: string[];
    /** Existing files that were added to, with what was added. */
    updated: {
        file: string;
        added: string[];
    }[];
    /** What was left alone, with why. */
    skipped: {
        file: string;
        reason: string;
    }[];
    /** The migration tool found, whose command `seed --apply-schema` and `fresh` will run. */
    migrate?: string;
    /** The test runner found, for which a setup file was written. */
    testRunner: 'vitest' | 'jest' | 'tap' | 'node:test';
    /** What the user should do next. */
    next: string[];
}
export declare function initProject(options: InitOptions): Promise<InitReport>;
/** The report as `init` prints it. */
export declare function formatInit(report: InitReport): string;
