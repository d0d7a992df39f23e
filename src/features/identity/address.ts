/**
 * @module The one e-mail address policy: `parseEmailAddress` runs before an address is stored or
 * mailed (registration, admin create/import, resend, reset, change of e-mail). It accepts one bare
 * mailbox — `local@domain`, no display name, no comment, no quoted local part, no list — and returns
 * it normalised: NFKC (which composes like NFC and also folds full-width letters, ligatures and the
 * Kelvin sign to the plain letters they stand for), an internationalised domain in its ASCII (IDNA /
 * punycode) form. The Unicode policy (docs/identity.md): letters of any script in the local part
 * (SMTPUTF8), but one script per local part and per domain label (Han may go with Hiragana/Katakana
 * or Hangul) — the confusables that make `pаypal` (Cyrillic а) look like `paypal` are refused, not
 * silently folded into someone else's account.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

export const EMAIL_MAX_LENGTH = 254;
const LOCAL_MAX_OCTETS = 64;
const DOMAIN_MAX_LENGTH = 253;

export type AddressProblem = 'empty' | 'too_long' | 'control' | 'quoted' | 'display_name' | 'list' | 'comment' | 'shape' | 'local_part' | 'domain' | 'confusable';

export type ParsedEmailAddress =
  | {
      readonly ok: true;
      /** What is stored and mailed: `local@domain`, NFKC, case kept; an IDN domain in punycode. */
      readonly address: string;
      /** The unique key: lower-cased, the domain in ASCII. */
      readonly key: string;
      readonly localPart: string;
      /** ASCII (punycode) form, lower-cased. */
      readonly domain: string;
      /** The domain as people read it (Unicode), for display. */
      readonly displayDomain: string;
    }
  | { readonly ok: false; readonly problem: AddressProblem; readonly message: string };

const MESSAGES: Record<AddressProblem, string> = {
  empty: 'Enter your e-mail address',
  too_long: `E-mail must be at most ${EMAIL_MAX_LENGTH} characters`,
  control: 'E-mail must not contain line breaks or control characters',
  quoted: 'E-mail addresses with quotes are not accepted',
  display_name: 'Enter only the address, without a name or angle brackets',
  list: 'Enter one e-mail address',
  comment: 'E-mail addresses with comments (parentheses) are not accepted',
  shape: 'Enter a valid e-mail address',
  local_part: 'The part before the @ is not a valid mailbox name',
  domain: 'The part after the @ is not a valid domain',
  confusable: 'E-mail mixes look-alike characters from different alphabets',
};

const refuse = (problem: AddressProblem): ParsedEmailAddress => ({ ok: false, problem, message: MESSAGES[problem] });

// Controls (C0, DEL, C1), format characters (zero-width, bidi overrides, BOM) and the line/paragraph separators.
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** RFC 5322 atext, plus letters, marks and digits of any script (RFC 6531). */
const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\p{L}\p{M}\p{N}]+$/u;
const LDH_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The scripts a letter may belong to; a letter of any other script counts as its own. */
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Hebrew', 'Arabic', 'Devanagari', 'Bengali', 'Thai', 'Georgian', 'Hangul', 'Hiragana', 'Katakana', 'Han', 'Ethiopic', 'Tamil'] as const;
const SCRIPT_TESTS = SCRIPTS.map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')] as const);
/** Writing systems that mix scripts by nature (UTS #39 "highly restrictive"). */
const ALLOWED_MIXES: readonly (readonly string[])[] = [
  ['Han', 'Hiragana', 'Katakana'],
  ['Han', 'Hangul'],
];

function scriptOf(letter: string): string {
  for (const [name, test] of SCRIPT_TESTS) if (test.test(letter)) return name;
  return 'Other';
}

/** One script (Latin digits and punctuation are common to all), or an allowed mix. */
export function isSingleScript(text: string): boolean {
  const scripts = new Set<string>();
  for (const ch of text) if (/\p{L}/u.test(ch)) scripts.add(scriptOf(ch));
  if (scripts.size <= 1) return true;
  return ALLOWED_MIXES.some((mix) => [...scripts].every((script) => mix.includes(script)));
}

function validLocalPart(local: string): boolean {
  if (local === '' || Buffer.byteLength(local) > LOCAL_MAX_OCTETS) return false;
  return local.split('.').every((atom) => LOCAL_ATOM.test(atom));
}

function asciiDomain(domain: string): string | undefined {
  if (domain === '' || domain.endsWith('.')) return undefined;
  const ascii = domainToASCII(domain).toLowerCase();
  if (ascii === '' || ascii.length > DOMAIN_MAX_LENGTH) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LDH_LABEL.test(label))) return undefined;
  // A top-level domain is never all digits: `1.2.3.4` is an address literal in disguise.
  if (/^\d+$/.test(labels.at(-1) ?? '')) return undefined;
  return ascii;
}

/** The address as typed → one normalised mailbox, or the first problem found. Never throws. */
export function parseEmailAddress(input: unknown): ParsedEmailAddress {
  if (typeof input !== 'string' || !input.isWellFormed()) return refuse('shape');
  // Control characters anywhere, even where trimming would drop them: `a@b.c\r\n` is an injection attempt.
  if (CONTROL.test(input)) return refuse('control');
  // NFKC before any other check: a full-width `＂` or `＠` is read as the `"` or `@` it stands for.
  const text = input.trim().normalize('NFKC');
  if (text === '') return refuse('empty');
  if ([...text].length > EMAIL_MAX_LENGTH) return refuse('too_long');
  if (text.includes('"')) return refuse('quoted');
  if (/[<>]/.test(text)) return refuse('display_name');
  if (/[,;]/.test(text)) return refuse('list');
  if (/[()]/.test(text)) return refuse('comment');
  if (/[\s\\[\]:]/u.test(text)) return refuse('shape');
  const at = text.indexOf('@');
  if (at <= 0 || at !== text.lastIndexOf('@') || at === text.length - 1) return refuse('shape');
  const local = text.slice(0, at);
  const domainAsTyped = text.slice(at + 1);
  if (!validLocalPart(local)) return refuse('local_part');
  const domain = asciiDomain(domainAsTyped);
  if (!domain) return refuse('domain');
  const displayDomain = domainToUnicode(domain);
  if (!isSingleScript(local) || !displayDomain.split('.').every(isSingleScript)) return refuse('confusable');
  // A plain ASCII domain keeps the case it was typed in (`Example.com`); an IDN is stored as punycode.
  const storedDomain = domainAsTyped.toLowerCase() === domain ? domainAsTyped : domain;
  const address = `${local}@${storedDomain}`;
  if (address.length > EMAIL_MAX_LENGTH) return refuse('too_long');
  return { ok: true, address, key: `${local.toLowerCase()}@${domain}`, localPart: local, domain, displayDomain };
}

/**
 * The lookup key of an identity as typed (login, reset, admin search): the parsed key when it
 * parses, else trimmed, NFKC, lower-cased — so a typed address finds the account whatever its
 * case, width or domain form (`bücher.de` and `xn--bcher-kva.de` are one domain).
 */
export function emailKey(email: string): string {
  const folded = email.trim().normalize('NFKC');
  const parsed = parseEmailAddress(folded);
  if (parsed.ok) return parsed.key;
  const at = folded.lastIndexOf('@');
  if (at > 0) {
    const ascii = domainToASCII(folded.slice(at + 1));
    if (ascii !== '') return `${folded.slice(0, at).toLowerCase()}@${ascii.toLowerCase()}`;
  }
  return folded.toLowerCase();
}
