import { LiveSession } from '../server/src/live/connect';
import { readCatalog, catalogSchema } from '../server/src/live/catalog';
import { initParser } from '../server/src/sql/parse';
(async () => {
  await initParser();
  const s = await LiveSession.open({ url: 'postgres://app@127.0.0.1:44105/shop', password: 'S3cret-pw:x' });
  const t = Date.now();
  const snap = await readCatalog(s);
  console.log(snap.ddl, snap.counts, Date.now() - t);
  const sc = catalogSchema(snap);
  for (const t of sc.tables.values()) console.log(t.key, t.kind, [...t.columns.values()].map(c => `${c.name}:${c.type}${c.notNull?'!':''}${c.hasDefault?'=':''}`).join(' '), JSON.stringify(t.primaryKey?.columns), t.foreignKeys.map(f=>f.columns+'->'+f.refTable), t.partitionOf ?? '');
  for (const i of sc.indexes.values()) console.log(i.name, i.table, JSON.stringify(i.columns), i.exprs, i.predicate, i.include, i.unique, i.constraint, i.desc);
  await s.close();
})().catch(e => { console.error('ERR', e.message); });
