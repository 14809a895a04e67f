/** What the planner needs to know of a seed. */
export interface PlanSeed {
    name: string;
    dependsOn: readonly string[];
    priority: number;
}
export interface PlanOptions {
    /** Run only these seeds, plus everything they depend on (transitively). */
    only?: readonly string[];
    /**
     * Run exactly these seeds, not what they depend on (`--changed`: the unchanged dependencies are
     * already applied). Levels stay those of the whole graph; empty ones are dropped.
     */
    exactly?: ReadonlySet<string>;
}
/**
 * Groups seeds into dependency levels: a seed's level is one more than the highest level of
 * what it depends on, so every seed of a level can run at once. Within a level, lower priority
 * comes first, then name. Pure: no I/O, tested on in-memory lists.
 *
 * Throws `E_DEPENDENCY_MISSING`, `E_DEPENDENCY_CYCLE` (the cycle named in order) or
 * `E_ONLY_UNKNOWN`.
 */
export declare function planLevels<S extends PlanSeed>(seeds: readonly S[], options?: PlanOptions): S[][];
