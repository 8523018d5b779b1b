// The SPARQL page (/query): YASGUI against this server's /sparql, and the saved queries one click away.
// YASGUI fetches nothing else: no LOV autocompletion (class, property), bundled prefixes (no prefix.cc),
// /sparql as the only endpoint, nothing kept in the browser's storage. The session cookie goes along
// (same origin), so the endpoint answers with what the user's role may read.
(function () {
  "use strict";
  const saved = JSON.parse(document.getElementById("saved-queries").textContent);
  const texts = JSON.parse(document.getElementById("query-texts").textContent);
  const endpoint = new URL("/sparql", window.location.href).href;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    yasqe: { autocompleters: ["variables", "prefixes"], prefixCcApi: null, persistenceId: null },
    yasr: { persistenceId: null },
  });

  // YASGUI draws fields without an accessible name: name them (each new tab draws its own).
  function name_fields(root) {
    root.querySelectorAll(".yasqe .CodeMirror textarea:not([aria-label])").forEach(function (field) {
      field.setAttribute("aria-label", texts.editor);
    });
    root.querySelectorAll(".autocompleteWrapper input:not([aria-label])").forEach(function (field) {
      field.setAttribute("aria-label", texts.endpoint);
    });
    root.querySelectorAll(".selector select:not([aria-label])").forEach(function (field) {
      const shown = field.parentElement.querySelector(".selectorLabel");
      field.setAttribute("aria-label", texts.accept + (shown ? " " + shown.textContent : ""));
    });
  }
  const root = document.getElementById("yasgui");
  name_fields(root);
  new MutationObserver(function () { name_fields(root); }).observe(root, { childList: true, subtree: true });

  function element(tag, text, className) {
    const made = document.createElement(tag);
    if (text !== undefined) made.textContent = text;
    if (className) made.className = className;
    return made;
  }

  function explain(query) {
    const box = document.getElementById("query-explain");
    box.replaceChildren();
    box.appendChild(element("p", texts.loaded + query.title, "query-loaded"));
    if (!query.params.length) {
      box.appendChild(element("p", texts.none, "hint"));
    } else {
      box.appendChild(element("h3", texts.params));
      box.appendChild(element("p", texts.explain, "hint"));
      const list = element("ul", undefined, "query-params");
      const example = new URLSearchParams();
      query.params.forEach(function (p) {
        const item = element("li");
        item.appendChild(element("code", "?" + p.name));
        let note = " " + p.label + "（" + p.type + "，" + (p.required ? texts.required : texts.optional);
        if (p.default !== null) {
          note += "，" + texts["default"] + " " + p.default;
          example.set(p.name, p.default);
        }
        item.appendChild(document.createTextNode(note + "）"));
        list.appendChild(item);
      });
      box.appendChild(list);
      const query_string = example.toString();
      box.appendChild(element("code", "/api/queries/" + query.name + (query_string ? "?" + query_string : ""),
                              "query-api"));
    }
    box.hidden = false;
  }

  document.querySelectorAll(".query-load").forEach(function (button) {
    button.addEventListener("click", function () {
      const query = saved.find(function (q) { return q.name === button.dataset.name; });
      yasgui.addTab(true, { name: query.title, yasqe: { value: query.text } });
      explain(query);
    });
  });
})();
