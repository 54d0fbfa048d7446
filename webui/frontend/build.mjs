// Builds the browser bundles into webui/static/dist/ (git-ignored): `npm run build`.
// Fails when a bundled package is missing from THIRD-PARTY-NOTICES.txt, because minified
// bundles drop most license headers and the notices file is what we ship instead.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { bundledPackages } from './packages.mjs';

const OUT = 'webui/static/dist';
const NOTICES = 'webui/static/THIRD-PARTY-NOTICES.txt';

const result = await build({
  entryPoints: { 'instance-diagram': 'webui/frontend/instance-diagram.js' },
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  target: ['es2020'],
  outdir: OUT,
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // bpmn-font's CSS references these (the modeler bundle will need them).
  loader: { '.eot': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file' },
});

writeFileSync(`${OUT}/meta.json`, JSON.stringify(result.metafile));
const notices = readFileSync(NOTICES, 'utf8');
const missing = bundledPackages(result.metafile).filter(
  ({ name, version }) => !notices.includes(`${name}@${version}`),
);
if (missing.length) {
  console.error(
    `${NOTICES} lacks: ${missing.map((p) => `${p.name}@${p.version}`).join(', ')}\n` +
      'run `npm run notices` after `npm run build`, review and commit the file',
  );
  process.exit(1);
}
console.log(`built ${Object.keys(result.metafile.outputs).length} files into ${OUT}/`);
