// Measures lintText (server/src/agent/lint-text.ts) on a project folder: Project.fork, a candidate
// migration with its rollback, a query, and the alternative of adding the text to the project itself.
// node --import tsx scripts/bench-lint-text.ts /work/shared/corpus/lemmy
import { projectFor, ready } from '../test/helpers';
import { lintText } from '../server/src/agent/lint-text';
(async () => {
  await ready();
  const dir = process.argv[2];
  const p = projectFor(dir);
  p.analyze();
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fork: number[] = [], mig: number[] = [], q: number[] = [], live: number[] = [];
  for (let i = 0; i < 7; i++) {
    let t = performance.now(); p.fork(); fork.push(performance.now() - t);
    t = performance.now(); lintText(p, 'ALTER TABLE x ADD COLUMN y int NOT NULL;\nCREATE INDEX x_y ON x (y);', { asMigration: true, down: 'DROP INDEX x_y; ALTER TABLE x DROP COLUMN y;' }); mig.push(performance.now() - t);
    t = performance.now(); lintText(p, 'SELECT * FROM x WHERE y = NULL;', { asMigration: false }); q.push(performance.now() - t);
    // the alternative: add the text to the live project, analyse it, take it out again
    t = performance.now(); p.setFile(dir + '/zzzz_candidate.sql', 'ALTER TABLE x ADD COLUMN y int NOT NULL;'); p.analyze([dir + '/zzzz_candidate.sql']); p.removeFile(dir + '/zzzz_candidate.sql'); p.schema(); live.push(performance.now() - t);
  }
  console.log(`${dir.split('/').pop()}: ${p.size} files; median of 7: fork ${med(fork).toFixed(0)} ms, lintText migration+down ${med(mig).toFixed(0)} ms, query ${med(q).toFixed(0)} ms; in-place add/analyse/remove + re-replay ${med(live).toFixed(0)} ms`);
})();
