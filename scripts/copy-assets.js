// Copies the files the built CLI reads at run time (the local org's recorded metadata) next to it in dist/.
import fs from 'node:fs';

fs.mkdirSync('dist/emulator/metadata', { recursive: true });
fs.copyFileSync(
  'src/emulator/metadata/standard-objects.json',
  'dist/emulator/metadata/standard-objects.json',
);
fs.copyFileSync('src/emulator/metadata/more-objects.json', 'dist/emulator/metadata/more-objects.json');
