/**
 * ferry's version, on its own so `ferry --version` needs nothing else.
 * @module
 */

/** ferry's version, printed by `ferry --version`. */
export const VERSION = "0.1.0";
