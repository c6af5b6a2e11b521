// The simcert command's TypeScript, bundled once into one JavaScript file so that each start of the command loads a
// single module instead of ~120 through tsx's loader. Loading them through tsx cost about a CPU-second per start
// (measured: `simcert profile check` 1.07 CPU-s through tsx, 0.40 bundled), and simcert starts often: tests
// start it dozens of times, a rack once per host (issue 20).
//
// Nothing has to be built by hand: the first start after a change bundles (esbuild, about half a second) into
// node_modules/.cache/simcert-cli, with a manifest of every source file's size and mtime; a later start uses the
// bundle only if none of them changed. Each module's import.meta.url/dirname/filename keep the values they have
// unbundled, so paths relative to a source file (templates, schemas, the repository root) are unchanged. npm
// packages stay outside the bundle and load as usual. Set SIMCERT_NO_BUNDLE=1 to run through tsx instead.
// Plain JavaScript: it runs before anything can load TypeScript.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = join(repoRoot, 'node_modules', '.cache', 'simcert-cli');
const manifestFile = join(cacheDir, 'manifest.json');
const entry = join(repoRoot, 'harness', 'cli', 'main.ts');

/** Size and modification time: what tells a changed source file from the one bundled. */
function fingerprint(file) {
  const s = statSync(file);
  return `${s.size}:${s.mtimeMs}`;
}

/** The bundle the manifest names, if every source it was made from is as it was then; else undefined. */
function currentBundle() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest.node !== process.version) return undefined;
  try {
    for (const [file, print] of Object.entries(manifest.inputs)) if (fingerprint(join(repoRoot, file)) !== print) return undefined;
  } catch {
    return undefined; // a source file was removed or renamed
  }
  return join(cacheDir, manifest.bundle);
}

/** import.meta's location fields, as this source file would see them unbundled. */
function pinImportMeta(source, file) {
  return source
    .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(file).href))
    .replaceAll('import.meta.dirname', JSON.stringify(dirname(file)))
    .replaceAll('import.meta.filename', JSON.stringify(file));
}

async function bundle() {
  const { build } = await import('esbuild');
  const inputsBefore = new Map();
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
    outfile: join(cacheDir, 'main.mjs'),
    absWorkingDir: repoRoot,
    plugins: [{
      name: 'pin-import-meta',
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, async (args) => {
          // The fingerprint is taken before reading, so an edit made during the build shows as a change next time.
          inputsBefore.set(args.path, fingerprint(args.path));
          return { contents: pinImportMeta(await readFile(args.path, 'utf8'), args.path), loader: 'ts' };
        });
      },
    }],
  });
  const code = result.outputFiles[0].contents;
  const name = `main-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`;
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = resolve(repoRoot, input);
    inputs[input] = inputsBefore.get(file) ?? fingerprint(file);
  }
  mkdirSync(cacheDir, { recursive: true });
  // The bundle first, then the manifest naming it: the bundle a manifest names is always complete.
  writeWhole(join(cacheDir, name), code);
  writeWhole(manifestFile, JSON.stringify({ node: process.version, bundle: name, inputs }));
  removeOldBundles(name);
  return join(cacheDir, name);
}

/** Written under a name of this process's own, then renamed: a start racing this one sees the old file or the new one whole. */
function writeWhole(file, data) {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, file);
}

/** Bundles of earlier sources, once old enough that no start still loading one can be racing this. */
function removeOldBundles(keep) {
  for (const f of readdirSync(cacheDir)) {
    if (f === keep || !f.startsWith('main-')) continue;
    const p = join(cacheDir, f);
    try {
      if (Date.now() - statSync(p).mtimeMs > 10 * 60_000) rmSync(p, { force: true });
    } catch {
      // removed by another start meanwhile
    }
  }
}

/** The CLI's main(): from the bundle (made or remade first when needed), or through tsx if bundling is off or fails. */
export async function loadMain() {
  if (process.env.SIMCERT_NO_BUNDLE !== '1') {
    try {
      const file = currentBundle() ?? (await bundle());
      return (await import(pathToFileURL(file).href)).main;
    } catch (err) {
      if (process.env.SIMCERT_DEBUG_BUNDLE === '1') process.stderr.write(`simcert: bundling failed, running through tsx: ${err?.stack ?? err}\n`);
      try {
        rmSync(manifestFile, { force: true });
      } catch {
        // a read-only cache: tsx below serves all the same
      }
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('./main.ts')).main;
}
