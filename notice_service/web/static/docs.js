// Renders /v1/openapi.json as a readable list of operations, with request and response schemas.
"use strict";
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  children.forEach((c) => node.append(c));
  return node;
}
function resolve(spec, schema) {
  if (schema && schema.$ref) { return spec.components.schemas[schema.$ref.split("/").pop()]; }
  return schema;
}
function schemaBlock(spec, title, schema) {
  const resolved = resolve(spec, schema);
  return el("details", {}, el("summary", {}, title), el("pre", {}, JSON.stringify(resolved, null, 2)));
}
function operationBlock(spec, path, method, op) {
  const section = el("section", { class: "op", id: op.operationId || method + path });
  section.append(el("h3", {}, el("span", { class: "method " + method }, method), el("code", {}, path)));
  section.append(el("p", {}, op.summary || ""));
  const body = op.requestBody && op.requestBody.content["application/json"];
  if (body) { section.append(schemaBlock(spec, "Request body", body.schema)); }
  Object.entries(op.responses).forEach(([code, response]) => {
    Object.entries(response.content || {}).forEach(([media, content]) => {
      if (content.schema) { section.append(schemaBlock(spec, code + " " + media, content.schema)); }
    });
  });
  return section;
}
fetch("/v1/openapi.json").then((r) => r.json()).then((spec) => {
  document.getElementById("info").textContent = spec.info.description + " (version " + spec.info.version + ")";
  const main = document.getElementById("operations");
  main.textContent = "";
  Object.entries(spec.paths).forEach(([path, item]) => {
    Object.entries(item).forEach(([method, op]) => main.append(operationBlock(spec, path, method, op)));
  });
});
