import { readFileSync } from "node:fs";
import * as ts from "typescript";

/** One documented member of an interface or class, as written in the source. */
export interface Member {
  name: string;
  /** The type as written. */
  type: string;
  optional: boolean;
  /** The TSDoc text, tags left out. */
  doc: string;
  /** The `@default` tag's text, if any. */
  defaultTag: string | undefined;
}

function docOf(node: ts.Node, source: ts.SourceFile): { doc: string; defaultTag: string | undefined } {
  const jsDocs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  const doc = jsDocs
    .map((d) => (typeof d.comment === "string" ? d.comment : ts.getTextOfJSDocComment(d.comment) ?? ""))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
  const tag = jsDocs.flatMap((d) => d.tags ?? []).find((t) => t.tagName.getText(source) === "default");
  const defaultTag = tag ? (typeof tag.comment === "string" ? tag.comment : ts.getTextOfJSDocComment(tag.comment) ?? "").trim() : undefined;
  return { doc, defaultTag };
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

/** A type as written; an object type as its keys, `{ vpc, subnets, ... }`, which the docs then explain. */
function typeText(type: ts.TypeNode | undefined, source: ts.SourceFile): string {
  if (!type) return "unknown";
  if (ts.isTypeLiteralNode(type)) return `{ ${type.members.map((m) => (m.name ? memberName(m.name, source) : "...")).join(", ")} }`;
  return type.getText(source).replace(/\s+/g, " ");
}

function memberName(name: ts.PropertyName, source: ts.SourceFile): string {
  return name.getText(source).replace(/^["']|["']$/g, "");
}

/** The members of `export interface <name>` in `file`, in source order (parse only: no type check, fast). */
export function interfaceMembers(file: string, name: string): Member[] {
  const source = parse(file);
  const found = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!found) throw new Error(`no interface ${name} in ${file}`);
  return found.members.filter(ts.isPropertySignature).map((member) => ({
    name: memberName(member.name, source),
    type: typeText(member.type, source),
    optional: member.questionToken !== undefined,
    ...docOf(member, source),
  }));
}

/** The public readonly properties of `export class <name>` in `file`: a component's outputs. */
export function classOutputs(file: string, name: string): Member[] {
  const source = parse(file);
  const found = source.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name);
  if (!found) throw new Error(`no class ${name} in ${file}`);
  return found.members
    .filter(ts.isPropertyDeclaration)
    .filter((member) => {
      const modifiers = ts.getModifiers(member) ?? [];
      const readonly = modifiers.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword);
      const hidden = modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
      return readonly && !hidden;
    })
    .map((member) => ({
      name: memberName(member.name, source),
      type: typeText(member.type, source),
      optional: false,
      ...docOf(member, source),
    }));
}
