import type { RunResult } from '../contract/types.js';
/** Left-aligned columns, the first row a header. */
export declare function table(rows: string[][], rightAligned?: Set<number>): string;
/** The table printed at the end of a run. */
export declare function formatSummary(result: RunResult): string;
/** `status`: the last runs, then each seed's last success and whether its file changed since. */
export declare function formatStatus(status: import('../execution/api.js').Status): string;
