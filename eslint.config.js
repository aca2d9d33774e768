import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'client/dist/**',
      '.client-package*/**',
      'node_modules/**',
      'data/**',
      'coverage/**',
      'scripts/**/*.py',
      'test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Folder boundaries (README "Layout"): each runtime and each kind of knowledge has one home.
  ...boundaries(),
);

/**
 * One `no-restricted-imports` block per folder of src/ (a later block for the same
 * file would replace an earlier one's options, so each folder gets all its rules at
 * once), the client package kept apart from the service in both directions, plus
 * `process.env` readable only in src/config/.
 */
function boundaries() {
  const FFMPEG = { group: ['node-av', 'node-av/*'], message: 'Only src/media/ touches FFmpeg (node-av).' };
  const ML = {
    group: ['onnxruntime-node', '@tensorflow/*', '@vladmandic/*'],
    message: 'Only src/vision/ touches the ML runtimes.',
  };
  const STORE_INTERNALS = {
    group: ['**/store/**', '!**/store/index.js', '!**/store/types.js'],
    message: 'Use the store through src/store/index.ts and its types only.',
  };
  const UP_FROM_JOBS = {
    group: ['**/services/**', '**/http/**', '**/workers/**'],
    message: 'jobs/ sits below services/, http/ and workers/.',
  };
  const UP_FROM_MEDIA = {
    group: ['**/vision/**', '**/services/**', '**/http/**', '**/jobs/**', '**/store/**', '**/workers/**'],
    message: 'media/ knows nothing of the layers above it.',
  };
  const UP_FROM_VISION = {
    group: ['**/services/**', '**/http/**', '**/jobs/**', '**/store/**', '**/workers/**', '**/config/**'],
    message: 'vision/ knows nothing of HTTP, jobs, the store or the config (settings come in as values).',
  };
  const INTO_SERVICE = {
    group: ['**/src/**', '**/test/**', '**/scripts/**'],
    message: 'The client package stands alone: openapi-fetch and its generated types only.',
  };
  const CLIENT_SOURCE = {
    group: ['**/client/src/**', '**/client/dist/**'],
    message: 'Import @emothumb/client: the tests use the packed package (test/client-package-setup.ts).',
  };
  const rule = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
  return [
    { files: ['src/**/*.ts'], rules: rule(FFMPEG, ML) },
    { files: ['src/http/**/*.ts'], rules: rule(FFMPEG, ML, STORE_INTERNALS) },
    { files: ['src/jobs/**/*.ts'], rules: rule(FFMPEG, ML, UP_FROM_JOBS) },
    { files: ['src/media/**/*.ts'], rules: rule(ML, UP_FROM_MEDIA) },
    { files: ['src/vision/**/*.ts'], rules: rule(FFMPEG, UP_FROM_VISION) },
    { files: ['client/**/*.ts'], rules: rule(INTO_SERVICE) },
    { files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'], rules: rule(CLIENT_SOURCE) },
    {
      files: ['src/**/*.ts'],
      ignores: ['src/config/**'],
      rules: {
        'no-restricted-properties': [
          'error',
          {
            object: 'process',
            property: 'env',
            message: 'Settings are read once, in src/config/, and passed down.',
          },
        ],
      },
    },
  ];
}
