import type { LoadedSeed } from '../contract/contract.js';
type Levels = readonly (readonly LoadedSeed[])[];
export declare const PLAN_FORMATS: readonly ["text", "json", "mermaid", "dot"];
export type PlanFormat = (typeof PLAN_FORMATS)[number];
/** The plan as JSON data: levels of seeds with what `plan --json` shows of each. */
export declare function planToJson(levels: Levels): {
    levels: {
        level: number;
        seeds: {
            name: string;
            priority: number;
            dependsOn: string[];
            description: string;
            file: string;
        }[];
    }[];
};
export declare function formatPlan(levels: Levels): string;
/** A Mermaid flowchart: one subgraph per level, an arrow from each dependency to its dependant. */
export declare function planToMermaid(levels: Levels): string;
/** Graphviz DOT: one cluster per level, an edge from each dependency to its dependant. */
export declare function planToDot(levels: Levels): string;
/** The plan in one of the `plan --format` forms. */
export declare function renderPlan(levels: Levels, format: string): string;
export {};
