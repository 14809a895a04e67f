export declare function addSecret(value: string | undefined | null): void;
/** `postgres://user:pw@host/db` becomes `postgres://user:***@host/db`. */
export declare function redactUrl(url: string): string;
export declare function redact(text: string): string;
/** Deep-redacts strings inside plain data (log arguments, JSON reports). */
export declare function redactValue<T>(value: T): T;
