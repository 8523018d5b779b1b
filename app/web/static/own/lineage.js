// The lineage graph of an entry page, drawn with cytoscape.js from the JSON the page embeds
// (#lineage-data: the nodes and edges of govcat.lineage, each node with the page it opens).
// Entries, systems and departments are told apart by shape and colour; the entry of the page is outlined.
// A click (tap) on a node opens its page. The tables under the graph list the same nodes and edges for
// keyboard and screen-reader users. The drawing is exposed as window.cy.
(function () {
  "use strict";
  var holder = document.getElementById("lineage-graph");
  var source = document.getElementById("lineage-data");
  if (!holder || !source || typeof window.cytoscape !== "function") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var elements = [];
  data.nodes.forEach(function (node) {
    elements.push({
      group: "nodes",
      data: { id: node.id, label: node.label || node.code || node.id, href: node.href || "", type: node.type },
      classes: node.type + (node.id === data.start ? " start" : ""),
    });
  });
  data.edges.forEach(function (edge, n) {
    elements.push({
      group: "edges",
      data: { id: "edge-" + n, source: edge.source, target: edge.target, label: edge.label || "" },
      classes: edge.type,
    });
  });

  var cy = window.cytoscape({
    container: holder,
    elements: elements,
    layout: { name: "breadthfirst", directed: true, padding: 24, spacingFactor: 1.15 },
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 120,
        "text-valign": "bottom", "text-margin-y": 4, "width": 26, "height": 26, "color": "#1d2430" } },
      { selector: "node.entry", style: { "shape": "round-rectangle", "background-color": "#0b5cad" } },
      { selector: "node.system", style: { "shape": "ellipse", "background-color": "#1e6b35" } },
      { selector: "node.department", style: { "shape": "diamond", "background-color": "#8a5a00" } },
      { selector: "node.start", style: { "border-width": 4, "border-color": "#f0b400", "width": 34, "height": 34 } },
      { selector: "edge", style: {
        "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 2, "line-color": "#8a94a3",
        "target-arrow-color": "#8a94a3", "label": "data(label)", "font-size": 9, "text-rotation": "autorotate",
        "text-background-color": "#fff", "text-background-opacity": 0.8 } },
      { selector: "edge.flow", style: { "line-color": "#0b5cad", "target-arrow-color": "#0b5cad" } },
      { selector: "edge.owner", style: { "line-style": "dashed", "width": 1 } },
      { selector: "edge.derivation", style: { "line-style": "dotted" } },
    ],
  });

  cy.on("tap", "node", function (event) {
    var href = event.target.data("href");
    if (href) {
      window.location.assign(href);
    }
  });
  window.cy = cy;
})();
