// Trims the Neon API v2 OpenAPI document to the operations Neon.Api calls, keeping every
// component they reference (transitively), and shapes it so NSwag emits readable, forward-
// compatible C#. Usage: node trim.mjs <v2.json> <out.json>. Output is deterministic.
import fs from 'node:fs';

// The operations the product calls (see src/Neon.Testing.Engine/Providers/NeonCloud/Api/README.md for what each is used for).
const operationIds = [
  'getProject',
  'listProjectBranches',
  'createProjectBranch',
  'getProjectBranch',
  'deleteProjectBranch',
  'updateProjectBranch',
  'restoreProjectBranch',
  'listProjectBranchEndpoints',
  'listProjectBranchDatabases',
  'listProjectBranchRoles',
  'getProjectBranchRolePassword',
  'createProjectEndpoint',
  'getProjectEndpoint',
  'deleteProjectEndpoint',
  'listProjectOperations',
  'getProjectOperation',
];

// The published document predates branch expiration; Neon accepts and returns `expires_at`
// (RFC 3339, whole seconds) on branches today, and the product relies on it.
const expiresAt = {
  description:
    'The time at which Neon deletes the branch automatically (RFC 3339, whole seconds).\n' +
    'Added by eng/codegen/trim.mjs: the published v2.json predates branch expiration.\n',
  type: 'string',
  format: 'date-time',
};
const patches = [
  (spec) => { spec.components.schemas.Branch.properties.expires_at = expiresAt; },
  (spec) => { spec.components.schemas.BranchCreateRequest.properties.branch.properties.expires_at = expiresAt; },
  (spec) => { spec.components.schemas.BranchUpdateRequest.properties.branch.properties.expires_at = expiresAt; },
];

const [, , input, output] = process.argv;
if (!input || !output) {
  console.error('usage: node trim.mjs <v2.json> <out.json>');
  process.exit(2);
}

const spec = JSON.parse(fs.readFileSync(input, 'utf8'));
const pascal = (s) => s.replace(/(^|[_\-\s])([a-z0-9])/g, (_, __, c) => c.toUpperCase()).replace(/^[a-z]/, (c) => c.toUpperCase());
const isRef = (schema) => schema && typeof schema.$ref === 'string' && Object.keys(schema).length === 1;
const resolve = (ref) => ref.slice(2).split('/').reduce((node, part) => node[part], spec);

for (const patch of patches) {
  patch(spec);
}

// 1. Keep only the wanted operations (with their path-level parameters).
const paths = {};
const found = new Set();
for (const [path, item] of Object.entries(spec.paths)) {
  const kept = {};
  for (const [key, value] of Object.entries(item)) {
    if (value && typeof value === 'object' && operationIds.includes(value.operationId)) {
      kept[key] = value;
      found.add(value.operationId);
    }
  }
  if (Object.keys(kept).length > 0) {
    if (item.parameters) {
      kept.parameters = item.parameters;
    }
    paths[path] = kept;
  }
}
const missing = operationIds.filter((id) => !found.has(id));
if (missing.length > 0) {
  console.error(`operations not in ${input}: ${missing.join(', ')}`);
  process.exit(1);
}
spec.paths = paths;

// 2. Give inline bodies a name: NSwag would otherwise call them Response, Response2, ...
const hoist = (schema, name) => {
  if (!schema || isRef(schema)) {
    return schema;
  }
  if (spec.components.schemas[name]) {
    console.error(`cannot hoist an inline schema as '${name}': the name is taken`);
    process.exit(1);
  }
  spec.components.schemas[name] = schema;
  return { $ref: `#/components/schemas/${name}` };
};
const hoistContent = (holder, name) => {
  const media = holder?.content?.['application/json'];
  if (media?.schema) {
    media.schema = hoist(media.schema, name);
  }
};
for (const item of Object.values(spec.paths)) {
  for (const [key, op] of Object.entries(item)) {
    if (key === 'parameters') {
      continue;
    }
    hoistContent(op.requestBody, `${pascal(op.operationId)}Request`);
    for (const [status, response] of Object.entries(op.responses)) {
      if (/^2\d\d$/.test(status) && !response.$ref) {
        hoistContent(response, `${pascal(op.operationId)}Response`);
      }
    }
  }
}
for (const [name, response] of Object.entries(spec.components.responses)) {
  hoistContent(response, `${name}Response`);
}

// 3. Keep the components reachable from the kept operations, nothing else.
const reached = new Set();
const walk = (node) => {
  if (Array.isArray(node)) {
    node.forEach(walk);
  } else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string' && !reached.has(node.$ref)) {
      reached.add(node.$ref);
      walk(resolve(node.$ref));
    }
    Object.values(node).forEach(walk);
  }
};
walk(spec.paths);
for (const [kind, entries] of Object.entries(spec.components)) {
  if (kind === 'securitySchemes') {
    continue;
  }
  spec.components[kind] = Object.fromEntries(
    Object.entries(entries).filter(([name]) => reached.has(`#/components/${kind}/${name}`)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
spec.components.securitySchemes = { BearerAuth: spec.components.securitySchemes.BearerAuth };
spec.security = [{ BearerAuth: [] }];

// 4. Named inline objects (BranchCreateRequest.branch, ...) become named schemas.
const pending = Object.keys(spec.components.schemas);
while (pending.length > 0) {
  const name = pending.shift();
  const schema = spec.components.schemas[name];
  for (const [property, value] of Object.entries(schema.properties ?? {})) {
    if (value && value.type === 'object' && value.properties) {
      schema.properties[property] = hoist(value, `${name}${pascal(property)}`);
      pending.push(`${name}${pascal(property)}`);
    }
  }
}
spec.components.schemas = Object.fromEntries(Object.entries(spec.components.schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

// 5. String enums become plain strings: Neon adds values (operation actions, states) without
//    a version bump, and an unknown value must not break deserialisation. The known values
//    stay in the description, so they show in the generated XML docs.
const unEnum = (node) => {
  if (Array.isArray(node)) {
    node.forEach(unEnum);
  } else if (node && typeof node === 'object') {
    if (node.type === 'string' && Array.isArray(node.enum)) {
      const known = `Known values: ${node.enum.map((v) => `\`${v}\``).join(', ')}.`;
      node.description = node.description ? `${node.description.trimEnd()}\n${known}\n` : `${known}\n`;
      delete node.enum;
      delete node.default;
    }
    Object.values(node).forEach(unEnum);
  }
};
unEnum(spec.paths);
unEnum(spec.components);

// 6. Required value-typed properties (booleans, numbers, timestamps) become optional, so nullable.
//    Neon omits fields the document calls required (responses from 2024 lack branch.default,
//    protected and state_changed_at); a non-nullable property would turn "absent" into false, 0 or
//    0001-01-01 and write that back. References and ids stay required: absent reads as null anyway.
const resolveSchema = (schema) => (schema && schema.$ref ? resolveSchema(resolve(schema.$ref)) : schema);
const valueTyped = (schema) => {
  const target = resolveSchema(schema);
  return ['boolean', 'integer', 'number'].includes(target?.type) || (target?.type === 'string' && target.format === 'date-time');
};
for (const schema of Object.values(spec.components.schemas)) {
  if (Array.isArray(schema.required) && schema.properties) {
    schema.required = schema.required.filter((name) => !(schema.properties[name] && valueTyped(schema.properties[name])));
    if (schema.required.length === 0) {
      delete schema.required;
    }
  }
}

const used = new Set(Object.values(spec.paths).flatMap((item) => Object.values(item)).flatMap((op) => op.tags ?? []));
spec.tags = (spec.tags ?? []).filter((tag) => used.has(tag.name));
spec.info = {
  ...spec.info,
  description: `Trimmed by eng/codegen/trim.mjs to the operations Neon.Api calls: ${operationIds.join(', ')}.`,
};

const ordered = {
  openapi: spec.openapi,
  info: spec.info,
  servers: spec.servers,
  security: spec.security,
  tags: spec.tags,
  paths: spec.paths,
  components: spec.components,
};
fs.writeFileSync(output, JSON.stringify(ordered, null, 2) + '\n');
