/** @module Safe `next` and the `Location` encoding: pure functions that live in core (the HTTP core needs them); this door stays for the public entry. */
export { isSafeNext, safeNext } from '../../core/safe-next.ts';
export { encodeLocation } from '../../core/location.ts';
