// Which npm packages a bundle contains, read from esbuild's metafile.
import { readFileSync } from 'node:fs';

const PACKAGE_PATH = /node_modules\/((?:@[^/]+\/)?[^/]+)\//;

export function bundledPackages(metafile) {
  const names = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = input.match(PACKAGE_PATH);
    if (match) names.add(match[1]);
  }
  return [...names].sort().map((name) => {
    const manifest = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));
    return { name, version: manifest.version, license: manifest.license, dir: `node_modules/${name}` };
  });
}
