// Renders /api/v1/openapi.json as a readable list of operations, grouped by tag.
(async function () {
  const root = document.getElementById("docs");
  const doc = await (await fetch("/api/v1/openapi.json")).json();
  const schemas = doc.components.schemas;
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
    children.forEach((c) => node.append(c));
    return node;
  };
  const resolve = (schema) => {
    if (schema && schema.$ref) return schemas[schema.$ref.split("/").pop()];
    return schema;
  };
  // A long path may wrap on a phone: after a slash, never inside a word.
  const breakable = (path) => path.split(/(?<=\/)/).flatMap((part, i) =>
    i ? [document.createElement("wbr"), part] : [part]);
  const byTag = {};
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push({ path, method, op });
    }
  }
  root.textContent = "";
  for (const [tag, ops] of Object.entries(byTag)) {
    root.append(el("h2", {}, tag));
    for (const { path, method, op } of ops) {
      const verb = method.toUpperCase();
      const body = el("div", { class: "body" });
      if (op.description) body.append(el("p", {}, op.description));
      if (op.parameters.length) {
        const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"),
          el("th", {}, "required")));
        op.parameters.forEach((p) => table.append(el("tr", {}, el("td", {}, p.name),
          el("td", {}, p.in), el("td", {}, p.required ? "yes" : "no"))));
        body.append(table);
      }
      if (op.requestBody) {
        const [media, content] = Object.entries(op.requestBody.content)[0];
        body.append(el("h4", {}, `Body (${media})`),
          el("pre", {}, JSON.stringify(resolve(content.schema), null, 2)));
      }
      body.append(el("h4", {}, "Responses"));
      for (const [status, response] of Object.entries(op.responses)) {
        body.append(el("div", {}, `${status} — ${response.description}`));
      }
      const role = op.security ? (op.description.match(/Role: (\w+)/) || [])[1] : "public";
      root.append(el("details", {}, el("summary", {},
        el("span", { class: `m ${verb}` }, verb), el("span", { class: "path" }, ...breakable(path)),
        " — ", op.summary, el("span", { class: "role" }, role || "")), body));
    }
  }
})();
