import { SeedbedError } from './errors.js';
/** Where a connection was headed, without its password. */
export interface Target {
    host?: string;
    port?: number;
    user?: string;
    database?: string;
}
/**
 * Turns an error from the driver into a SeedbedError that names what it is about. `seed` is the
 * seed that was running, if any. An error that already is a SeedbedError is returned unchanged.
 */
export declare function fromDriverError(err: unknown, context?: {
    seed?: string;
    target?: Target;
}): SeedbedError;
