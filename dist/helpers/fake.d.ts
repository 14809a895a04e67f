import { Faker } from '@faker-js/faker';
/**
 * The reference date fake dates are drawn around. faker defaults to "now", which would make every
 * run different; a fixed date keeps the same seed producing the same rows on every run and machine.
 */
export declare const FAKE_REFERENCE_DATE: Date;
/** FNV-1a: a stable 32-bit number from a seed's name, so each seed has its own sequence. */
export declare function stableHash(text: string): number;
/** A Faker seeded from `key` (the seed's name, plus a salt to split streams). */
export declare function fakerFor(key: string): Faker;
/** The row count for a base count at a scale: at least 1 row for a non-zero base. */
export declare function scaled(baseCount: number, scale: number): number;
/** Parses the scale setting (a positive number; 0.5 halves, 1000 multiplies). */
export declare function parseScale(name: string, raw: unknown): number | undefined;
/**
 * An email that stays unique at any scale: the row number is part of it. Seeded faker names
 * repeat (12,433 duplicates in 1M rows were measured), so a unique column needs such a scheme.
 */
export declare function uniqueEmail(faker: Faker, row: number, domain?: string): string;
