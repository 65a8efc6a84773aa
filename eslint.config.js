// ESLint (flat config): typescript-eslint's recommended rules, no import cycles, and layers that only
// point down. Formatting is Prettier's job (eslint-config-prettier turns off the rules it owns).
// `npm run lint` runs both; `npm test` runs it before the tests, so CI fails on a cycle.
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * Modules that make up the engine: tensors, ops, kernels, GPU plumbing and the CPU references.
 * src/cpu/index.ts is not one: it is the `webgpu-upsample/cpu` entry point, which also
 * re-exports runModelGraph (the graph walker on the CPU references, src/model/run-cpu.ts).
 */
const engineCore = [
  './src/engine.ts',
  './src/core',
  './src/registry',
  './src/gpu',
  './src/ops',
  './src/kernels',
  './src/cpu/!(index).ts',
  './shaders',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-demo/', 'test-artifacts/', 'bench-results/', '.device/', '.gl/', '.whl/', '.native/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    plugins: { 'import-x': importX },
    settings: {
      // import-x must parse the files it follows (TypeScript here), or no-cycle sees no edges at all.
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      // A cycle is a layering mistake here (the engine importing the image pipeline was one).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src',
              from: ['./test', './bench', './demo', './bin'],
              message: 'the library must not depend on tests, benchmarks, pages or the CLI',
            },
            { target: './shaders', from: ['./test', './bench', './demo', './bin'], message: 'the shaders are part of the library' },
            {
              target: './bench',
              from: './test',
              message: 'benchmarks must not depend on test helpers: move shared code to bench/ or src/',
            },
            { target: './demo', from: './test', message: 'pages must not depend on test helpers' },
            // The layers of the engine, bottom up: core (errors, params, indexing, resample, tensor) → ops (shape
            // rules and plans) and gpu (device plumbing) → shaders, CPU references and kernels → the op registry
            // (src/registry: the table of every op's rows) → the engine. Each imports only the layers below it.
            {
              target: './src/core',
              from: './src',
              except: ['./core'],
              message: 'src/core is the bottom layer: it imports nothing above it',
            },
            {
              target: './src/ops',
              from: './src',
              except: ['./core', './ops'],
              message: 'op definitions (shape rules, plans) import only src/core',
            },
            { target: './src/gpu', from: './src', except: ['./core', './gpu'], message: 'the GPU plumbing imports only src/core' },
            { target: './shaders', from: './src', except: ['./core', './ops'], message: 'shaders import only src/core and op definitions' },
            {
              target: './src/cpu/!(index).ts',
              from: './src',
              except: ['./core', './ops', './cpu'],
              message: 'CPU references import only src/core and op definitions (src/cpu/index.ts is an entry point, above them)',
            },
            {
              target: './src/kernels',
              from: './src',
              except: ['./core', './ops', './gpu', './kernels'],
              message: 'kernels import src/core, op definitions, the GPU plumbing and shaders, nothing above',
            },
            {
              target: './src/registry',
              from: './src',
              except: ['./core', './ops', './gpu', './kernels', './cpu', './registry'],
              message: 'the op registry sits on kernels and CPU references, below the engine',
            },
            {
              target: engineCore,
              from: ['./src/upscale', './src/model', './src/node.ts'],
              message: 'the engine is tensors and ops; the image pipeline and model loaders depend on it, not the other way round',
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  prettier,
);
