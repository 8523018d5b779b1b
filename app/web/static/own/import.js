// The import page (import.html): the upload with its progress, then the check or commit followed through
// /import/{id}/status until it is done. Without this script the form posts as usual and the job page
// refreshes itself.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (form && window.FormData && window.XMLHttpRequest) {
    form.addEventListener("submit", function (event) {
      var file = form.elements.namedItem("file");
      if (!file.files.length) { return; }             // the browser says the file is missing
      event.preventDefault();
      var bar = document.getElementById("upload-progress");
      var button = form.querySelector("button[type=submit]");
      bar.hidden = false;
      button.disabled = true;
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      });
      request.addEventListener("load", function () {
        if (request.status < 400 && request.responseURL) {
          window.location.assign(request.responseURL);    // the job's page (after the server's redirect)
        } else {
          document.open(); document.write(request.responseText); document.close();
        }
      });
      request.addEventListener("error", function () { button.disabled = false; form.submit(); });
      request.send(new FormData(form));
    });
  }

  var box = document.getElementById("import-progress");
  if (box) {
    var url = box.getAttribute("data-status");
    var zh = box.getAttribute("data-lang") === "zh";
    var bar2 = document.getElementById("job-progress");
    var stage = document.getElementById("job-stage");
    var poll = function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        if (s.state !== "running") { window.location.reload(); return; }
        bar2.value = s.percent;
        var parts = s.stage.split(" / ");
        var name = zh ? parts[0] : parts[parts.length - 1];
        stage.textContent = zh ? "步骤 " + s.step + "/" + s.steps + "：" + name + " · 已用 " + s.elapsed + " 秒"
                               : "step " + s.step + " of " + s.steps + ": " + name + " · " + s.elapsed + " s";
        window.setTimeout(poll, 1000);
      }).catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 500);
  }
})();
