// The language server in another editor: Neovim's built-in LSP client (Debian's neovim, 0.7+),
// headless. Neovim opens examples/shop/queries/reports.sql, starts `node dist/server.js --stdio`
// for the project folder, and writes the diagnostics it receives to a file; the test reads them.
// Run with `npm run test:neovim` (installs Debian's neovim first when running as root).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function nvim(): string {
  const found = spawnSync('sh', ['-c', 'command -v nvim'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('Neovim is missing: apt-get install -y neovim, then run again.');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try { execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'neovim'], { stdio: 'pipe', env }); } catch {
    execFileSync('apt-get', ['update'], { stdio: 'pipe', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'neovim'], { stdio: 'pipe', env });
  }
  return 'nvim';
}

const INIT = `
local out = vim.env.DBE_NVIM_OUT
local function finish(lines)
  local f = io.open(out, 'w'); f:write(table.concat(lines, '\\n')); f:close()
  vim.cmd('qa!')
end
vim.defer_fn(function() finish({ 'timeout' }) end, 20000)
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result and #result.diagnostics > 0 then
    local lines = {}
    for _, d in ipairs(result.diagnostics) do
      table.insert(lines, string.format('%d:%d %s %s', d.range.start.line + 1, d.range.start.character + 1, tostring(d.code), d.message))
    end
    finish(lines)
  end
end
local id = vim.lsp.start_client({
  name = 'dbe',
  cmd = { vim.env.DBE_NODE, vim.env.DBE_SERVER, '--stdio' },
  root_dir = vim.env.DBE_ROOT,
  workspace_folders = { { uri = vim.uri_from_fname(vim.env.DBE_ROOT), name = 'shop' } },
})
-- the file's buffer is loaded after this script runs
vim.api.nvim_create_autocmd('VimEnter', { callback = function() vim.lsp.buf_attach_client(vim.api.nvim_get_current_buf(), id) end })
`;

test('Neovim\'s LSP client gets the diagnostics of a file, schema from the project\'s migrations included', () => {
  const bin = nvim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-nvim-'));
  try {
    const shop = path.join(dir, 'shop');
    fs.cpSync(path.join(ROOT, 'examples', 'shop'), shop, { recursive: true });
    fs.writeFileSync(path.join(dir, 'init.lua'), INIT);
    const out = path.join(dir, 'diagnostics.txt');
    const r = spawnSync(bin, ['--headless', '-n', '-i', 'NONE', '-u', path.join(dir, 'init.lua'), path.join(shop, 'queries', 'reports.sql')], {
      cwd: shop, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, DBE_NVIM_OUT: out, DBE_NODE: process.execPath, DBE_SERVER: path.join(ROOT, 'dist', 'server.js'), DBE_ROOT: shop, XDG_STATE_HOME: dir, XDG_DATA_HOME: dir },
    });
    assert.ok(fs.existsSync(out), `Neovim wrote no result (exit ${r.status}): ${r.stderr}`);
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    assert.notEqual(lines[0], 'timeout', 'no diagnostics reached Neovim within 20 s');
    const text = lines.join('\n');
    assert.match(text, /^8:54 equals-null `= NULL` is never true; use IS NULL\.$/m);
    assert.match(text, /^18:1 delete-without-where /m);
    // the schema comes from the migrations folder: the primary key of users is known
    assert.match(text, /limit-without-order-by .*primary key id/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
