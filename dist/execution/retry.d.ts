/** Why an error is transient, or undefined when it is not. */
export declare function transientReason(err: unknown): string | undefined;
/** Exponential backoff with full jitter: a random wait up to 200 ms x 2^attempt, at most 5 s. */
export declare function backoffMs(attempt: number, random?: () => number): number;
