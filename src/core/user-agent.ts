/** @module A short, human summary of a user agent (pages, security notices): never the raw string. */

const BROWSERS: [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\//u, 'Edge'],
  [/OPR\/|Opera/u, 'Opera'],
  [/Firefox\/|FxiOS\//u, 'Firefox'],
  [/Chrome\/|CriOS\//u, 'Chrome'],
  [/Safari\//u, 'Safari'],
  [/^curl\//u, 'curl'],
  [/^Wget\//u, 'Wget'],
  [/node|undici/iu, 'Node.js'],
];
const SYSTEMS: [RegExp, string][] = [
  [/iPhone|iPad|iPod/u, 'iOS'],
  [/Android/u, 'Android'],
  [/CrOS/u, 'ChromeOS'],
  [/Windows/u, 'Windows'],
  [/Mac OS X|Macintosh/u, 'macOS'],
  [/Linux/u, 'Linux'],
];

/** A short, human summary of a user agent: "Firefox on Linux". Never the raw string, which can be long. */
export function summarizeUserAgent(userAgent: string): string {
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return (browser ?? system) as string;
  const trimmed = userAgent.trim();
  if (!trimmed) return 'Unknown device';
  return trimmed.length > 40 ? `${trimmed.slice(0, 39)}…` : trimmed;
}
