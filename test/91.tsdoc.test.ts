// The API reference is the TSDoc in lib/: every public symbol has some.
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const entry = join(__dirname, '..', 'lib', 'index.ts');

function undocumented(): string[] {
  const program = ts.createProgram([entry], { strict: true, target: ts.ScriptTarget.ES2022, types: ['node'] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry)!;
  const missing: string[] = [];
  const documented = (sym: ts.Symbol) => sym.getDocumentationComment(checker).length > 0;
  const isInternal = (sym: ts.Symbol) => sym.getJsDocTags(checker).some((t) => t.name === 'internal');
  for (let sym of checker.getExportsOfModule(checker.getSymbolAtLocation(source)!)) {
    if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    const name = sym.getName();
    if (!documented(sym)) missing.push(name);
    if (sym.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
      const members = [...(sym.members?.values() ?? []), ...(sym.exports?.values() ?? [])];
      for (const m of members) {
        const decl = m.declarations?.[0];
        const mods = decl && ts.canHaveModifiers(decl) ? ts.getModifiers(decl) ?? [] : [];
        const hidden = mods.some((mod) => mod.kind === ts.SyntaxKind.PrivateKeyword) || m.getName().startsWith('#');
        if (hidden || m.flags & ts.SymbolFlags.TypeParameter || isInternal(m) || m.getName() === 'prototype' || m.getName() === '__constructor') continue;
        if (!documented(m) && !(m.flags & ts.SymbolFlags.Constructor)) missing.push(`${name}.${m.getName()}`);
      }
    }
  }
  return missing;
}

describe('API reference', () => {
  it('documents every exported symbol and public member', () => {
    expect(undocumented()).toEqual([]);
  });
});
