import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { templatesModule } from '../mail/mjml.ts';

// npm run build:templates [-- --check]: compiles templates/*.mjml into the module both runtimes import.
// --check only says whether the module is up to date (exit 1 if not).
const target = fileURLToPath(new URL('../mail/templates.generated.ts', import.meta.url));
try {
  const fresh = await templatesModule();
  const current = await readFile(target, 'utf8').catch(() => '');
  if (process.argv.includes('--check')) {
    if (fresh !== current) {
      process.stderr.write('gazette: src/mail/templates.generated.ts is stale: run npm run build:templates\n');
      process.exitCode = 1;
    }
  } else if (fresh !== current) {
    await writeFile(target, fresh);
    process.stdout.write('templates compiled: src/mail/templates.generated.ts\n');
  }
} catch (err) {
  process.stderr.write(`gazette: templates could not be compiled: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
