import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads prisma/schema.prisma into the columns and indexes MySQL should hold,
 * named the way Prisma Migrate names them. Only what this project's schema
 * uses is understood; anything else fails loudly so the test is never fooled.
 */
export interface ExpectedColumn {
  name: string;
  columnType: string;
  nullable: boolean;
  defaultValue: string | null;
  autoIncrement: boolean;
}

export interface ExpectedIndex {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface ExpectedTable {
  model: string;
  table: string;
  columns: ExpectedColumn[];
  indexes: ExpectedIndex[];
}

const SCALAR_TYPES: Record<string, string> = { Boolean: 'tinyint(1)', Int: 'int(11)', BigInt: 'bigint(20)' };

function nativeType(attrs: string, scalar: string): string {
  const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(attrs);
  if (native) {
    const args = native[2]?.replace(/\s+/g, '');
    return `${native[1].toLowerCase()}${args ? `(${args})` : ''}`;
  }
  const type = SCALAR_TYPES[scalar];
  if (!type) throw new Error(`schema field of type ${scalar} needs an explicit @db type`);
  return type;
}

function defaultOf(attrs: string, scalar: string, columnType: string): { value: string | null; autoIncrement: boolean } {
  // The default runs to the `)` that ends the attribute: the next attribute or the line's end.
  const found = /@default\((.*?)\)(?=\s+@|\s*$)/.exec(attrs)?.[1];
  if (found === undefined || found === 'uuid()') return { value: null, autoIncrement: false };
  if (found === 'autoincrement()') return { value: null, autoIncrement: true };
  const generated = /^dbgenerated\("(.*)"\)$/.exec(found);
  if (generated) return { value: generated[1].toLowerCase(), autoIncrement: false };
  if (found === 'now()') return { value: `current_timestamp(${/\((\d)\)/.exec(columnType)?.[1] ?? ''})`, autoIncrement: false };
  if (scalar === 'Boolean') return { value: found === 'true' ? '1' : '0', autoIncrement: false };
  if (scalar === 'Decimal') return { value: Number(found).toFixed(Number(/,(\d+)\)/.exec(columnType)?.[1] ?? 0)), autoIncrement: false };
  if (/^".*"$/.test(found)) return { value: `'${found.slice(1, -1)}'`, autoIncrement: false };
  return { value: found, autoIncrement: false };
}

export function readPrismaSchema(file = path.resolve(__dirname, '../prisma/schema.prisma')): ExpectedTable[] {
  const source = readFileSync(file, 'utf8');
  const models = [...source.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
  const modelNames = new Set(models.map((model) => model[1]));

  return models.map(([, model, body]) => {
    const lines = body
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, '').trim())
      .filter(Boolean);
    const table = /@@map\("(\w+)"\)/.exec(body)?.[1] ?? model;
    const columnOf = new Map<string, string>();
    const columns: ExpectedColumn[] = [];
    const indexes: ExpectedIndex[] = [];

    for (const line of lines.filter((l) => !l.startsWith('@@'))) {
      const [, field, type, optional, list, attrs] = /^(\w+)\s+(\w+)(\?)?(\[\])?\s*(.*)$/.exec(line) ?? [];
      if (!field) throw new Error(`unreadable schema line: ${line}`);
      if (modelNames.has(type) || list) continue; // relation fields have no column
      const column = /@map\("(\w+)"\)/.exec(attrs)?.[1] ?? field;
      columnOf.set(field, column);
      const columnType = nativeType(attrs, type);
      const fallback = defaultOf(attrs, type, columnType);
      columns.push({ name: column, columnType, nullable: Boolean(optional), defaultValue: fallback.value, autoIncrement: fallback.autoIncrement });
      if (/@id\b/.test(attrs)) indexes.push({ name: 'PRIMARY', columns: [column], unique: true });
      if (/@unique\b/.test(attrs)) indexes.push({ name: `${table}_${column}_key`, columns: [column], unique: true });
    }

    const compositeId = /@@id\(\[([^\]]+)\]\)/.exec(body)?.[1];
    if (compositeId) indexes.push({ name: 'PRIMARY', columns: compositeId.split(',').map((f) => columnOf.get(f.trim()) ?? f.trim()), unique: true });
    for (const [, kind, fields] of body.matchAll(/@@(index|unique)\(\[([^\]]+)\]\)/g)) {
      const cols = fields.split(',').map((f) => columnOf.get(f.trim()) ?? f.trim());
      indexes.push({ name: `${table}_${cols.join('_')}_${kind === 'unique' ? 'key' : 'idx'}`, columns: cols, unique: kind === 'unique' });
    }
    return { model, table, columns, indexes };
  });
}
