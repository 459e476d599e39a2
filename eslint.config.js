import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'sfsync-results/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'commander', message: 'Only src/cli.ts may import commander.' },
            { name: 'jsforce', message: 'Only src/salesforce/ may import jsforce.' },
          ],
        },
      ],
    },
  },
  { files: ['src/cli.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/salesforce/**', 'test/**', 'bench/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
