import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * Every workspace declares what it imports, and imports only what it declares: a package that leans
 * on workspace hoisting works here and breaks for whoever installs it alone. Cross-package imports
 * go through the target's `exports` map (no deep imports into another package's files).
 */

const ROOT = join(import.meta.dirname, '..', '..');

interface Workspace {
  name: string;
  dir: string;
  declared: Set<string>;
  exports: Set<string>;
}

/** Imports that leave a workspace on purpose, each with its reason. */
const ALLOWED_RELATIVE_ESCAPES: Record<string, string> = {
  // The Lambda bundle carries the app's config: build-functions bundles it with each handler.
  'functions/lib/lambda/deployed.ts': '../../../stevedore.config',
};

function workspaces(): Workspace[] {
  const dirs = [
    ...readdirSync(join(ROOT, 'packages')).map((name) => join('packages', name)),
    'functions',
  ].filter((dir) => statSync(join(ROOT, dir, 'package.json'), { throwIfNoEntry: false }));
  return dirs.map((dir) => {
    const json = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      exports?: Record<string, string>;
    };
    return {
      name: json.name,
      dir,
      declared: new Set([
        ...Object.keys(json.dependencies ?? {}),
        ...Object.keys(json.devDependencies ?? {}),
        ...Object.keys(json.peerDependencies ?? {}),
      ]),
      exports: new Set(Object.keys(json.exports ?? {})),
    };
  });
}

function sourceFiles(dir: string): string[] {
  return (
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      // dist/ is built output (the CLI's bundle): what it imports is its sources' imports, checked there.
      .filter(
        (file) =>
          /\.(ts|tsx|js|mjs)$/.test(file) &&
          !file.includes('node_modules') &&
          !file.split('/').includes('dist'),
      )
      .map((file) => join(dir, file))
  );
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([\w@.:/-]+)['"]/g)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

const BUILTINS = new Set(builtinModules);

/** What is wrong with one workspace's imports, one line each. */
function problemsOf(workspace: Workspace, all: Workspace[]): string[] {
  const byName = new Map(all.map((w) => [w.name, w]));
  const problems: string[] = [];
  const used = new Set<string>();
  for (const file of sourceFiles(workspace.dir)) {
    for (const specifier of specifiers(readFileSync(join(ROOT, file), 'utf8'))) {
      if (specifier.startsWith('.')) {
        const target = relative(ROOT, join(ROOT, file, '..', specifier));
        if (!target.startsWith(`${workspace.dir}/`) && ALLOWED_RELATIVE_ESCAPES[file] !== specifier)
          problems.push(`${file} reaches outside its package: ${specifier}`);
        continue;
      }
      if (specifier.startsWith('node:') || BUILTINS.has(specifier)) continue;
      const pkg = packageOf(specifier);
      used.add(pkg);
      if (pkg === workspace.name) {
        problems.push(`${file} imports its own package by name: ${specifier}`);
        continue;
      }
      if (!workspace.declared.has(pkg))
        problems.push(`${file} imports ${pkg}, which ${workspace.dir}/package.json does not declare`);
      const target = byName.get(pkg);
      const subpath = `.${specifier.slice(pkg.length)}`;
      if (target && !target.exports.has(subpath))
        problems.push(
          `${file} imports ${specifier}, which ${pkg} does not export (exports: ${[...target.exports].join(', ')})`,
        );
    }
  }
  for (const pkg of workspace.declared) {
    if (!used.has(pkg))
      problems.push(`${workspace.dir}/package.json declares ${pkg}, which nothing in it imports`);
  }
  return problems;
}

describe('workspace dependencies', () => {
  const all = workspaces();

  it('finds every workspace', () => {
    expect(all.map((w) => w.dir).sort()).toEqual(
      expect.arrayContaining([
        'functions',
        'packages/aws',
        'packages/cli',
        'packages/control',
        'packages/core',
      ]),
    );
  });

  it.each(workspaces().map((w) => [w.dir, w] as const))(
    '%s declares exactly what it imports',
    (_, workspace) => {
      expect(problemsOf(workspace, all)).toEqual([]);
    },
  );

  it('the check sees an undeclared import, a deep import and an unused declaration', () => {
    const core = all.find((w) => w.dir === 'packages/core');
    if (!core) throw new Error('no packages/core');
    const broken: Workspace = {
      ...core,
      declared: new Set([...core.declared].filter((d) => d !== 'valibot')),
    };
    expect(problemsOf(broken, all).some((p) => p.includes('imports valibot'))).toBe(true);
    const unused: Workspace = { ...core, declared: new Set([...core.declared, 'left-pad']) };
    expect(problemsOf(unused, all)).toContain(
      'packages/core/package.json declares left-pad, which nothing in it imports',
    );
    expect(specifiers("import { x } from '@stevedore/core/src/job/job';")).toEqual([
      '@stevedore/core/src/job/job',
    ]);
  });
});
