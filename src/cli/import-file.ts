/**
 * @module Reading an import file into rows: CSV (RFC 4180: quoted fields, `""` escapes, CRLF,
 * a header row naming the columns) or a JSON array of objects. Shapes only; the rules are in
 * import-users.ts. argon2 hashes contain commas, so in CSV they must be quoted.
 */
import { CliError } from './cli-error.ts';

export const IMPORT_COLUMNS = ['email', 'username', 'password_hash', 'roles'] as const;
const REQUIRED_COLUMNS = ['email', 'password_hash'] as const;

/** One user as the file gives it; `where` is `line 3` (CSV) or `item 2` (JSON) for the report. */
export interface ImportRow {
  readonly where: string;
  readonly email: unknown;
  readonly username: unknown;
  readonly passwordHash: unknown;
  readonly roles: unknown;
  /** Set when the row itself is malformed (wrong number of CSV fields, a JSON item not an object). */
  readonly shapeProblem?: string;
}

/** Records of fields, with the line each record starts on. */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line += 1;
        field += ch;
      }
      i += 1;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else field += ch;
    i += 1;
  }
  if (quoted) throw new CliError(`CSV: a quoted field starting on line ${recordLine} is never closed`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

function rowsFromCsv(text: string): ImportRow[] {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new CliError('The file is empty');
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const unknown = columns.filter((name) => !(IMPORT_COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new CliError(`CSV header: unknown column ${unknown.map((c) => JSON.stringify(c)).join(', ')} (expected ${IMPORT_COLUMNS.join(',')})`);
  const missing = REQUIRED_COLUMNS.filter((name) => !columns.includes(name));
  if (missing.length > 0) throw new CliError(`CSV header: missing column ${missing.join(', ')} (expected ${IMPORT_COLUMNS.join(',')})`);
  return records.map(({ line, fields }): ImportRow => {
    const value = (name: string) => {
      const index = columns.indexOf(name);
      return index === -1 ? undefined : fields[index];
    };
    return {
      where: `line ${line}`,
      email: value('email'),
      username: value('username'),
      passwordHash: value('password_hash'),
      roles: value('roles'),
      ...(fields.length !== columns.length ? { shapeProblem: `has ${fields.length} fields, the header ${columns.length}` } : {}),
    };
  });
}

function rowsFromJson(text: string): ImportRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CliError('The file is not valid JSON');
  }
  if (!Array.isArray(data)) throw new CliError('JSON: expected an array of objects with email, username, password_hash, roles');
  return data.map((item: unknown, index): ImportRow => {
    const where = `item ${index + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return { where, email: undefined, username: undefined, passwordHash: undefined, roles: undefined, shapeProblem: 'is not an object' };
    }
    const record = item as Record<string, unknown>;
    return { where, email: record.email, username: record.username, passwordHash: record.password_hash, roles: record.roles };
  });
}

/** JSON when the file says so (`.json`, or it starts with `[`), CSV otherwise. */
export function readImportRows(text: string, fileName: string): ImportRow[] {
  const body = text.replace(/^\uFEFF/, '');
  return fileName.toLowerCase().endsWith('.json') || body.trimStart().startsWith('[') ? rowsFromJson(body) : rowsFromCsv(body);
}
