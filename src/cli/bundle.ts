import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// npm run build (after build:templates): the Node entries as plain JavaScript in dist/. The service and
// the digest command then start without a TypeScript loader in the process: it held ~65 MB of every
// sender's memory and transpiled each module at start.
const root = fileURLToPath(new URL('../../', import.meta.url));
const result = await build({
  absWorkingDir: root,
  entryPoints: { node: 'src/node.ts', digest: 'src/cli/digest.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Dependencies stay in node_modules (native modules, and one copy of each package).
  packages: 'external',
  sourcemap: 'linked',
  write: false,
  logLevel: 'warning',
});
for (const file of result.outputFiles) {
  const current = await readFile(file.path).catch(() => undefined);
  if (current?.equals(file.contents)) continue;
  // Several processes may build at once (tests start several): each file appears whole or not at all.
  await mkdir(dirname(file.path), { recursive: true });
  const temporary = `${file.path}.${process.pid}.tmp`;
  await writeFile(temporary, file.contents);
  await rename(temporary, file.path);
}
