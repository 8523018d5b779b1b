// The edit form (edit.html): conditional fields and data-item rows. The page works without this script:
// every field is then shown (its hint says when it is needed) and "add a data item" asks the server.
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  if (!form) { return; }

  // A field with data-shown-when is shown when one of its conditions holds (from the rules: e.g. 共享条件
  // when 共享类型 is 有条件共享), and also whenever it holds a value or a message, so nothing is hidden
  // that would be saved or that needs fixing.
  var conditional = Array.prototype.slice.call(form.querySelectorAll("[data-shown-when]"));
  function valueOf(name) {
    var control = form.elements.namedItem(name);
    return control && control.value !== undefined ? control.value : "";
  }
  function update() {
    conditional.forEach(function (wrapper) {
      var conditions = JSON.parse(wrapper.getAttribute("data-shown-when"));
      var needed = conditions.some(function (c) { return c.values.indexOf(valueOf(c.trigger)) >= 0; });
      var input = wrapper.querySelector("input, select, textarea");
      var kept = input && input.value.trim() !== "";
      var flagged = wrapper.querySelector(".message") !== null;
      wrapper.hidden = !(needed || kept || flagged);
    });
  }
  var triggers = {};
  conditional.forEach(function (wrapper) {
    JSON.parse(wrapper.getAttribute("data-shown-when")).forEach(function (c) { triggers[c.trigger] = true; });
  });
  Object.keys(triggers).forEach(function (name) {
    var control = form.elements.namedItem(name);
    if (control && control.addEventListener) { control.addEventListener("change", update); }
  });
  update();

  // "Add a data item" adds an empty row here instead of asking the server.
  var add = document.getElementById("add-item");
  var template = document.getElementById("item-template");
  var body = document.querySelector("#items-table tbody");
  if (add && template && body) {
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var next = 1;
      body.querySelectorAll("tr[data-item]").forEach(function (row) {
        next = Math.max(next, parseInt(row.getAttribute("data-item"), 10) + 1);
      });
      var html = template.innerHTML.replace(/__i__/g, String(next));
      body.insertAdjacentHTML("beforeend", html);
      var first = body.querySelector("tr[data-item='" + next + "'] input, tr[data-item='" + next + "'] select");
      if (first) { first.focus(); }
    });
  }
})();
