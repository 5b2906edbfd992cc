// npm run test:vscode: the vscode-API suite under @vscode/test-electron, in a downloaded desktop VS Code
// (on machines that can download it). Where the download is impossible (no internet), it says so and
// exits 1; the same suite runs in the VS Code server build's extension host through npm run test:e2e.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-vscode-'));
  fs.cpSync(path.join(ROOT, 'examples', 'shop'), ws, { recursive: true });
  try {
    await runTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'vscode-suite.js'),
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    console.error(/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|download/i.test(msg)
      ? `test:vscode: VS Code could not be downloaded here (${msg}); run npm run test:e2e, which runs the same suite in the VS Code server build.`
      : `test:vscode: ${msg}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
void main();
