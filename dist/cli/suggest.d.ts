/**
 * The closest candidate to a mistyped name, when it is close enough to be what was meant: at most
 * a third of the name's length in edits (and at least one), so `--dryrun` finds `--dry-run` while
 * `--x` suggests nothing.
 */
export declare function closest(input: string, candidates: Iterable<string>): string | undefined;
/** ` (did you mean 'x'?)`, or nothing. */
export declare function didYouMean(input: string, candidates: Iterable<string>): string;
