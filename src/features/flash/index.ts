/** @module Flash messages: the catalogue lives in core (the HTTP core writes the cookie); this door stays for the public entry. */
export { FLASH_COOKIE, FLASH_MESSAGES, isFlashKey, type FlashKey, type FlashMessage } from '../../core/flash.ts';
