/**
 * Base of every objection model: snake_case columns, camelCase properties, and int8
 * columns as bigint (the pg driver returns them as strings; amounts must never pass
 * through a JS number).
 */
import { Model, Pojo, snakeCaseMappers } from 'objection';

export class BaseModel extends Model {
  /** Properties (camelCase) holding int8 columns. */
  static bigintColumns: string[] = [];

  static override get columnNameMappers() {
    return snakeCaseMappers();
  }

  override $parseDatabaseJson(json: Pojo): Pojo {
    const parsed = super.$parseDatabaseJson(json);
    for (const k of (this.constructor as typeof BaseModel).bigintColumns) {
      if (parsed[k] !== null && parsed[k] !== undefined) parsed[k] = BigInt(parsed[k] as string);
    }
    return parsed;
  }

  override $formatDatabaseJson(json: Pojo): Pojo {
    const out = super.$formatDatabaseJson(json);
    for (const [k, v] of Object.entries(out)) if (typeof v === 'bigint') out[k] = v.toString();
    return out;
  }
}
