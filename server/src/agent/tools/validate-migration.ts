// validate_migration: a candidate migration checked by the rules and in the sandbox, with its rollback
import { lintText } from '../lint-text';
import type { SandboxValidate, ToolContext, ToolResult, ToolSpec } from '../tool';
import { countLine, findingData, findingLines } from './lint-sql';

interface ValidateInput { up: string; down?: string }

async function run(input: ValidateInput, ctx: ToolContext): Promise<ToolResult> {
  const up = input.up;
  if (typeof up !== 'string' || !up.trim()) return bad('"up" is empty: pass the forward migration SQL');
  const down = typeof input.down === 'string' && input.down.trim() ? input.down : undefined;

  // the rules' verdict: the candidate as the next migration of the chain, its rollback as its down
  const r = lintText(ctx.project, up, { asMigration: true, down });
  const lines: string[] = [];
  lines.push(`Rules (the candidate as ${r.shownAs}, appended to the chain): ${r.findings.length ? `${countLine(r.findings)}:` : 'no findings.'}`);
  lines.push(...r.findings.flatMap((f) => findingLines(f, (o) => r.position(r.file, o), ctx.showPath, r.file.path)));
  if (down && r.downFile && r.downFindings) {
    lines.push(`Rules on the rollback: ${r.downFindings.length ? `${countLine(r.downFindings)}:` : 'no findings.'}`);
    lines.push(...r.downFindings.flatMap((f) => findingLines(f, (o) => r.position(r.downFile!, o), ctx.showPath, r.downFile!.path)));
  }
  if (r.internalErrors) lines.push(`(${r.internalErrors} rule check${r.internalErrors === 1 ? '' : 's'} failed inside DB Engineer; their findings are missing.)`);
  const lint = [...r.findings, ...(r.downFindings ?? [])];
  const lintNote = lint.some((f) => f.severity === 'error' || f.severity === 'warning') ? `; lint: ${countLine(lint.filter((f) => f.severity === 'error' || f.severity === 'warning'))}` : '';
  const data = {
    findings: r.findings.map((f) => findingData(f, r.position(r.file, f.start))),
    downFindings: r.downFindings && r.downFile ? r.downFindings.map((f) => findingData(f, r.position(r.downFile!, f.start))) : undefined,
    sandbox: undefined as SandboxValidate | undefined,
    sandboxOff: undefined as string | undefined,
  };

  if (!ctx.sandbox) {
    const why = ctx.sandboxOff ?? 'no sandbox is available here';
    data.sandboxOff = why;
    lines.push('', `The sandbox is off: ${why}; the rollback was not checked${down ? '' : ' (and no down was given)'}, and up was not run.`);
    if (!down) lines.push(NO_DOWN);
    return { text: lines.join('\n'), summary: `validated by the rules only (sandbox off)${lintNote}`, data };
  }

  let v: SandboxValidate;
  try {
    v = await ctx.sandbox.validate(up, down);
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300);
    data.sandboxOff = msg;
    lines.push('', `The sandbox could not check the migration: ${msg}; up was not run and the rollback was not checked.`);
    if (!down) lines.push(NO_DOWN);
    return { text: lines.join('\n'), summary: `validated by the rules only (the sandbox failed)${lintNote}`, data };
  }
  data.sandbox = v;
  if (v.error) {
    // a stop (time, memory), a crash, a failed replay or a closed sandbox: nothing was checked there,
    // so nothing may be said about up or the rollback
    const msg = oneLine(v.error, 300);
    data.sandboxOff = msg;
    lines.push('', `The sandbox could not check the migration: ${msg}. Up was not confirmed to apply and the rollback was not checked.`);
    if (!down) lines.push(NO_DOWN);
    return { text: lines.join('\n'), summary: `validated by the rules only (the sandbox could not check it: ${oneLine(v.error, 100)})${lintNote}`, isError: true, data };
  }
  lines.push('', `Sandbox (PostgreSQL with the project's migrations replayed; ${v.basis}; everything rolled back):`);
  if (v.replayFailures) lines.push(`Note: ${v.replayFailures} statement${v.replayFailures === 1 ? '' : 's'} of the project's own migrations failed to replay in the sandbox, so its schema may lack objects they create.`);
  let summary: string;
  if (v.upError) {
    lines.push(`Up FAILS at: ${oneLine(v.upError.statement, 300)}`, `  ${v.upError.message}`, 'Nothing after that statement ran; the rollback was not checked.');
    summary = `validated: up fails: ${oneLine(v.upError.message, 120)}`;
  } else {
    lines.push('Up applies cleanly.');
    if (v.changes.length) { lines.push('Changes:'); for (const c of v.changes) lines.push(`  - ${c}`); } else lines.push('Changes: none to the catalog.');
    if (!down) {
      lines.push(NO_DOWN);
      summary = 'validated the migration: up applies; rollback not checked (no down given)';
    } else if (v.downError) {
      lines.push(`Down FAILS at: ${oneLine(v.downError.statement, 300)}`, `  ${v.downError.message}`);
      summary = `validated: down fails: ${oneLine(v.downError.message, 120)}`;
    } else if (v.restored) {
      lines.push('The rollback restores the schema.');
      summary = 'validated the migration: rollback restores the schema';
    } else if (v.differences.length) {
      lines.push('The rollback does NOT restore the schema:');
      for (const d of v.differences) lines.push(`  - ${d}`);
      const n = v.differences.length;
      // the summary is one line: the first difference up to its detail ("index x left behind: CREATE INDEX ...")
      summary = `validated the migration: rollback leaves ${n} difference${n === 1 ? '' : 's'} (${oneLine(v.differences[0].split(': ')[0], 100)}${n > 1 ? ', …' : ''})`;
    } else {
      lines.push('The sandbox could not tell whether the rollback restores the schema.');
      summary = 'validated the migration: rollback not confirmed';
    }
  }
  if (v.notes.length) { lines.push('Notes:'); for (const n of v.notes) lines.push(`  - ${n}`); }
  return { text: lines.join('\n'), summary: summary + lintNote, data };
}

const NO_DOWN = 'No down migration was given: the rollback was not checked. Write one that undoes each statement (DROP INDEX for a CREATE INDEX, DROP COLUMN for an ADD COLUMN, the old type back for an ALTER COLUMN TYPE) and validate it with the up.';

function bad(msg: string): ToolResult {
  return { text: `validate_migration: ${msg}.`, summary: `validate_migration: ${msg}`, isError: true };
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export const validateMigration: ToolSpec = {
  name: 'validate_migration',
  title: 'Validate migration',
  description: 'Checks a candidate migration before anyone writes it: runs DB Engineer\'s migration rules on it (as the next migration of the chain, its down as its rollback), then appends it to the project\'s replayed chain in the sandbox, applies up, then down (when given), and compares the catalog: either "the rollback restores the schema" or exactly what differs (an index left behind, a column type not restored). Nothing is written and the sandbox is rolled back. The sandbox is PostgreSQL: for other projects only the rules run.',
  inputSchema: { type: 'object', properties: { up: { type: 'string', description: 'The forward migration SQL.' }, down: { type: 'string', description: 'The rollback SQL (recommended).' } }, required: ['up'], additionalProperties: false },
  sandbox: true,
  run: async (input, ctx) => run(input as unknown as ValidateInput, ctx),
};
