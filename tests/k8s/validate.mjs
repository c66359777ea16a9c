// SPDX-License-Identifier: BSD-3-Clause
// Validates Kubernetes manifests offline, strictly: every document of every file given.
//
//   node validate.mjs --crd schemas/batch.volcano.sh_jobs.yaml [--mutate | --expect-fail] FILE.yaml...
//
// - batch.volcano.sh/v1alpha1 Job: the Volcano CRD's openAPIV3Schema (ajv), made strict the way
//   the API server's strict field validation is: `additionalProperties: false` on every object
//   schema that has `properties` and no `x-kubernetes-preserve-unknown-fields`. Each task's pod
//   `template` and the object's `metadata` are checked as below (kubernetes-models).
// - batch/v1 Job, v1 Service (and the templates and metadata above): kubernetes-models' compiled
//   validators, plus an unknown-field check derived from the same validators: each object is
//   handed to the validator behind a Proxy that records which properties the validator looks up.
//   A compiled ajv validator reads every property its schema declares (`void 0 === data.x || ...`)
//   and enumerates the keys of maps (`for (const k in data)`); a key of an object that the validator
//   neither read nor enumerated is one the schema does not have.
//
// Prints `OK file#n: apiVersion kind name` or `FAIL file#n: apiVersion kind name: problem; ...`
// per document; exits 0 when every document passed, 1 when one failed, 2 on bad usage.
// --mutate: each valid document is also checked with an unknown field added to each of its objects
//   in turn: every one must be refused, except in maps (labels, limits, ...), where none may be.
// --expect-fail: each file must FAIL, and say what its first line `# expect: TEXT` says
//   (tests/k8s/broken/: each validator shown to reject a wrong type, an unknown and a missing field).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Ajv from "ajv";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const models = join(here, "node_modules", "kubernetes-models", "_schemas");
const machinery = join(here, "node_modules", "@kubernetes-models", "apimachinery", "_schemas");
const load = async (dir, name) => (await import(pathToFileURL(join(dir, `${name}.mjs`)).href)).validate;

const validators = {
  job: await load(models, "IoK8sApiBatchV1Job"),
  service: await load(models, "IoK8sApiCoreV1Service"),
  podTemplate: await load(models, "IoK8sApiCoreV1PodTemplateSpec"),
  objectMeta: await load(machinery, "IoK8sApimachineryPkgApisMetaV1ObjectMeta"),
};

/// Runs a kubernetes-models validator on `data` and returns its problems, unknown fields included.
function strictModelCheck(validate, data, base) {
  const records = new Map();  // target object -> { keys, open, path }
  const wrap = (value, path) => {
    if (value === null || typeof value !== "object") return value;
    let rec = records.get(value);
    if (!rec) {
      rec = { keys: new Set(), open: false, path, proxy: null };
      rec.proxy = new Proxy(value, {
        get(target, key, receiver) {
          const v = Reflect.get(target, key, receiver);
          if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(target, key)) return v;
          rec.keys.add(key);
          return wrap(v, `${path}/${key}`);
        },
        has(target, key) {
          if (typeof key === "string") rec.keys.add(key);
          return Reflect.has(target, key);
        },
        ownKeys(target) {
          rec.open = true;  // enumerated: a map (labels, limits), every key is looked at
          return Reflect.ownKeys(target);
        },
        getOwnPropertyDescriptor(target, key) {
          if (typeof key === "string") rec.keys.add(key);
          return Reflect.getOwnPropertyDescriptor(target, key);
        },
      });
      records.set(value, rec);
    }
    return rec.proxy;
  };
  const problems = [];
  if (!validate(wrap(data, base), { instancePath: base })) {
    for (const e of validate.errors ?? []) problems.push(ajvMessage(e));
  }
  for (const [target, rec] of records) {
    if (Array.isArray(target) || rec.open) continue;
    for (const key of Object.keys(target)) {
      if (!rec.keys.has(key)) problems.push(`${rec.path || "/"} has unknown field '${key}'`);
    }
  }
  return problems;
}

function ajvMessage(e) {
  let detail = e.message ?? e.keyword;
  if (!e.message) {
    if (e.keyword === "required") detail = `must have required property '${e.params.missingProperty}'`;
    else if (e.keyword === "type") detail = `must be ${e.params.type}`;
    else if (e.keyword === "enum") detail = `must be one of ${JSON.stringify(e.params.allowedValues)}`;
    else if (e.keyword === "additionalProperties") detail = `must NOT have additional properties`;
    else if (e.keyword === "format") detail = `must match format "${e.params.format}"`;
  }
  if (e.keyword === "additionalProperties") detail += ` (unknown field '${e.params.additionalProperty}')`;
  return `${e.instancePath || "/"} ${detail}`;
}

/// additionalProperties: false wherever the schema lists properties and keeps no unknown fields.
function strictify(schema) {
  if (Array.isArray(schema)) {
    schema.forEach(strictify);
  } else if (schema && typeof schema === "object") {
    if (schema.properties && !schema["x-kubernetes-preserve-unknown-fields"] && schema.additionalProperties === undefined) {
      schema.additionalProperties = false;
    }
    for (const v of Object.values(schema)) strictify(v);
  }
  return schema;
}

function volcanoValidator(crdPath) {
  const docs = parseAllDocuments(readFileSync(crdPath, "utf8"));
  const crd = docs.map((d) => d.toJS()).find((d) => d && d.kind === "CustomResourceDefinition");
  if (!crd) throw new Error(`${crdPath}: no CustomResourceDefinition in it`);
  const version = crd.spec.versions.find((v) => v.name === "v1alpha1");
  if (!version) throw new Error(`${crdPath}: no v1alpha1 version`);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(strictify(structuredClone(version.schema.openAPIV3Schema)));
}

const usage = "usage: node validate.mjs [--crd CRD.yaml] [--mutate | --expect-fail] FILE...";

function checkDocument(doc, crdValidate) {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return ["the document is not a mapping"];
  const id = `${doc.apiVersion}/${doc.kind}`;
  const problems = [];
  if (id === "batch.volcano.sh/v1alpha1/Job") {
    if (!crdValidate) return ["a Volcano Job, and no --crd given"];
    if (!crdValidate(doc)) problems.push(...crdValidate.errors.map(ajvMessage));
    problems.push(...strictModelCheck(validators.objectMeta, doc.metadata ?? {}, "/metadata"));
    (doc.spec?.tasks ?? []).forEach((task, i) => {
      if (task && typeof task === "object" && task.template !== undefined) {
        problems.push(...strictModelCheck(validators.podTemplate, task.template, `/spec/tasks/${i}/template`));
      }
    });
  } else if (id === "batch/v1/Job") {
    problems.push(...strictModelCheck(validators.job, doc, ""));
  } else if (id === "v1/Service") {
    problems.push(...strictModelCheck(validators.service, doc, ""));
  } else {
    problems.push(`kind ${id} is not one this checker knows (Volcano Job, batch/v1 Job, v1 Service)`);
  }
  if (!doc.metadata?.name) problems.push("/metadata must have required property 'name'");
  return problems;
}

/// Every path of an object (not an array) inside `value`, as JSON pointers.
function objectPaths(value, path = "", out = []) {
  if (Array.isArray(value)) value.forEach((v, i) => objectPaths(v, `${path}/${i}`, out));
  else if (value && typeof value === "object") {
    out.push(path);
    for (const [k, v] of Object.entries(value)) objectPaths(v, `${path}/${k}`, out);
  }
  return out;
}

/// --mutate: adds an unknown field to each object of each (valid) document in turn; every one must
/// be refused except in maps (labels, annotations, resource limits/requests, node selector, Service
/// selector, Volcano plugins), where any key is allowed. Returns the problems found.
function mutationProblems(doc, label) {
  const maps = /\/(labels|annotations|limits|requests|nodeSelector|selector|plugins)$/;
  const problems = [];
  let refused = 0;
  for (const path of objectPaths(doc)) {
    const copy = structuredClone(doc);
    let node = copy;
    for (const key of path.split("/").slice(1)) node = node[key];
    node.torchxBogusField = "x";
    const found = checkDocument(copy, crdValidate).some((p) => p.includes("unknown field 'torchxBogusField'"));
    if (found) refused++;
    if (found === maps.test(path)) {
      problems.push(`an unknown field at '${path || "/"}' was ${found ? "refused in a map" : "accepted"}`);
    }
  }
  return { problems, refused };
}

const args = process.argv.slice(2);
let crdPath = null;
let expectFail = false;
let mutate = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--crd" && i + 1 < args.length) crdPath = args[++i];
  else if (args[i] === "--expect-fail") expectFail = true;
  else if (args[i] === "--mutate") mutate = true;
  else if (args[i].startsWith("--")) {
    console.error(`validate.mjs: unknown option ${args[i]} (${usage})`);
    process.exit(2);
  } else files.push(args[i]);
}
if (files.length === 0) {
  console.error(`validate.mjs: no files (${usage})`);
  process.exit(2);
}
const crdValidate = crdPath ? volcanoValidator(crdPath) : null;

/// The lines to print for one file and whether it passed.
function checkFile(file) {
  const lines = [];
  let ok = true;
  let docs;
  try {
    // YAML 1.1, as kubectl and the API server (go-yaml) read it: `yes`, `on`, `0x1F` are not strings.
    docs = parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" });
  } catch (e) {
    return { ok: false, lines: [`FAIL ${file}: ${e.message.split("\n")[0]}`] };
  }
  if (docs.length === 0) return { ok: false, lines: [`FAIL ${file}: no documents`] };
  docs.forEach((d, n) => {
    const label = `${file}#${n}`;
    if (d.errors.length > 0) {
      lines.push(`FAIL ${label}: YAML: ${d.errors[0].message.split("\n")[0]}`);
      ok = false;
      return;
    }
    const doc = d.toJS();
    const what = doc && typeof doc === "object" ? `${doc.apiVersion} ${doc.kind} ${doc.metadata?.name}` : "";
    const problems = checkDocument(doc, crdValidate);
    if (problems.length > 0) {
      lines.push(`FAIL ${label}: ${what}: ${problems.join("; ")}`);
      ok = false;
    } else if (mutate) {
      const m = mutationProblems(doc, label);
      if (m.problems.length > 0) {
        lines.push(`FAIL ${label}: ${what}: ${m.problems.join("; ")}`);
        ok = false;
      } else {
        lines.push(`OK ${label}: ${what} (an unknown field refused at each of ${m.refused} objects)`);
      }
    } else {
      lines.push(`OK ${label}: ${what}`);
    }
  });
  return { ok, lines };
}

let failed = false;
for (const file of files) {
  const { ok, lines } = checkFile(file);
  if (!expectFail) {
    lines.forEach((l) => console.log(l));
    failed ||= !ok;
    continue;
  }
  // --expect-fail: the file's first line is `# expect: TEXT`; it must fail, saying TEXT.
  const expected = (readFileSync(file, "utf8").split("\n")[0].match(/^# expect: (.+)$/) ?? [])[1];
  const text = lines.join("\n");
  if (!expected) {
    console.log(`FAIL ${file}: no '# expect: TEXT' first line`);
    failed = true;
  } else if (ok) {
    console.log(`FAIL ${file}: validated, expected a failure saying: ${expected}`);
    failed = true;
  } else if (!text.includes(expected)) {
    console.log(`FAIL ${file}: expected '${expected}' in: ${text}`);
    failed = true;
  } else {
    console.log(`REJECTED ${file}: ${expected}`);
  }
}
process.exit(failed ? 1 : 0);
