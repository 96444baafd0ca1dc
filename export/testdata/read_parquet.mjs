// Reads Parquet files with hyparquet (no DuckDB, no Arrow) and prints, per
// file, its row count, key-value metadata, schema and rows as JSON, with
// dates and timestamps as ISO instants and big integers as strings.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const out = {}
for (const path of process.argv.slice(2)) {
  const file = await asyncBufferFromFile(path)
  const meta = await parquetMetadataAsync(file)
  const rows = await parquetReadObjects({ file, compressors })
  out[path] = {
    num_rows: Number(meta.num_rows),
    kv: Object.fromEntries((meta.key_value_metadata || []).map(kv => [kv.key, kv.value])),
    schema: meta.schema.slice(1).map(s => ({
      name: s.name, type: s.type, converted_type: s.converted_type, scale: s.scale, precision: s.precision,
      logical_type: s.logical_type ? JSON.stringify(s.logical_type, (k, v) => typeof v === 'bigint' ? String(v) : v) : undefined,
    })),
    rows: rows.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k,
      v instanceof Date ? { date: v.toISOString() } : typeof v === 'bigint' ? String(v) : v]))),
  }
}
console.log(JSON.stringify(out))
