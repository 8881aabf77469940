// Writes Backstage's entity JSON Schemas as JSON files.
//
// @backstage/catalog-model publishes its schemas (packages/catalog-model/src/schema/*.json in the
// Backstage repository) only bundled as CommonJS modules under dist/schema/; this loads each
// module and writes its default export back out as JSON, keys in their published order.
// Usage: node extract.cjs <package/dist/schema> <out dir>   (run by `make backstage-schemas`)
"use strict";
const fs = require("fs");
const path = require("path");

const FILES = [
  "Entity.schema.json",
  "EntityEnvelope.schema.json",
  "EntityMeta.schema.json",
  "shared/common.schema.json",
  "kinds/API.v1alpha1.schema.json",
  "kinds/Component.v1alpha1.schema.json",
  "kinds/Domain.v1alpha1.schema.json",
  "kinds/Group.v1alpha1.schema.json",
  "kinds/Location.v1alpha1.schema.json",
  "kinds/System.v1alpha1.schema.json",
];

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error("usage: node extract.cjs <package/dist/schema> <out dir>");
  process.exit(2);
}
for (const file of FILES) {
  const schema = require(path.resolve(src, file + ".cjs.js")).default;
  const target = path.join(out, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, JSON.stringify(schema, null, 2) + "\n");
}
