// Renames NSwag's snake_case identifiers to .NET names: DTO properties (Project_id -> ProjectId)
// and client method parameters (project_id -> projectId). JSON names are untouched: every DTO
// property carries [JsonPropertyName], and quoted strings (query keys, paths) are left alone.
// Usage: node polish.mjs <file.cs> (rewrites in place). Fails on any name collision.
import fs from 'node:fs';

const [, , file] = process.argv;
if (!file) {
  console.error('usage: node polish.mjs <file.cs>');
  process.exit(2);
}

const pascal = (name) => name.split('_').filter(Boolean).map((part) => part[0].toUpperCase() + part.slice(1)).join('');
const camel = (name) => { const p = pascal(name); return p[0].toLowerCase() + p.slice(1); };
const fail = (message) => { console.error(`polish.mjs: ${message}`); process.exit(1); };

const lines = fs.readFileSync(file, 'utf8').split('\n');

// 1. DTO properties, class by class.
let className = null;
let inClient = false;
let names = new Set();
const propertyPattern = /^(\s+public (?:virtual )?[^=;(]+? )([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)( \{ get; (?:private )?set; \}.*)$/;
for (let i = 0; i < lines.length; i++) {
  const classMatch = /^\s+public partial class (\w+)/.exec(lines[i]);
  if (classMatch) {
    className = classMatch[1];
    inClient = className.endsWith('Client');
    names = new Set();
    continue;
  }
  const declared = /^\s+public (?:virtual )?[^=;(]+? (\w+) \{ get;/.exec(lines[i]);
  if (!declared || inClient) {
    continue;
  }
  const match = propertyPattern.exec(lines[i]);
  const name = match ? pascal(match[2]) : declared[1];
  if (names.has(name)) {
    fail(`${className}.${name} would be declared twice`);
  }
  names.add(name);
  if (match) {
    lines[i] = match[1] + name + match[3];
  }
}

// 2. Client method parameters, inside the client class only.
const start = lines.findIndex((line) => /public partial class \w+Client\b/.test(line));
const end = lines.findIndex((line, i) => i > start && /^\s+\[System\.CodeDom\.Compiler\.GeneratedCode/.test(line));
if (start < 0 || end < 0) {
  fail('client class not found');
}
const parameters = new Set();
for (let i = start; i < end; i++) {
  const signature = /^\s+public virtual async [^(]+\((.*)\)\s*$/.exec(lines[i]);
  if (signature) {
    for (const match of signature[1].matchAll(/\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b(?= =|,|$)/g)) {
      parameters.add(match[1]);
    }
  }
}
for (const parameter of parameters) {
  const renamed = camel(parameter);
  const bare = new RegExp(`(?<!["{\`])\\b${parameter}\\b(?!["}\`])`, 'g');
  for (let i = start; i < end; i++) {
    if (new RegExp(`\\b${renamed}\\b`).test(lines[i]) && lines[i].includes(parameter)) {
      fail(`parameter ${parameter} -> ${renamed} collides on line ${i + 1}`);
    }
    lines[i] = lines[i]
      .replaceAll(`<param name="${parameter}">`, `<param name="${renamed}">`)
      .replaceAll(`ArgumentNullException("${parameter}")`, `ArgumentNullException(nameof(${renamed}))`);
    if (!/^\s*\/\/\//.test(lines[i])) {
      lines[i] = lines[i].replace(bare, renamed);
    }
  }
}

// 3. Every generated type is internal: the client is an implementation detail of Neon.Testing.Engine.
//    Top-level declarations sit at one level of indentation inside the namespace block.
for (let i = 0; i < lines.length; i++) {
  lines[i] = lines[i].replace(/^(    )public ((?:sealed |abstract |static )?(?:partial )?(?:class|enum|interface|struct|record) )/, '$1internal $2');
}
if (lines.some((line) => /^    public /.test(line))) {
  fail('a generated type is still public');
}

// Editors and .editorconfig expect no trailing blanks and one final newline.
fs.writeFileSync(file, lines.map((line) => line.trimEnd()).join('\n').trimEnd() + '\n');
