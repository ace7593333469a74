/* Live preview of a section's narrative in the topic admin: under each body field, the text
   as the public will see it, with live figures filled in, refreshed as the officer types.
   The HTML comes from the server, already sanitised. */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.previewUrl;
  if (!url) {
    return;
  }
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function attach(textarea) {
    if (textarea.dataset.preview) {
      return;
    }
    textarea.dataset.preview = "on";
    var box = document.createElement("div");
    box.className = "narrative-preview";
    box.setAttribute("aria-live", "polite");
    var heading = document.createElement("p");
    heading.innerHTML = "<strong>Preview</strong> (as the public will see it)";
    var body = document.createElement("div");
    var problems = document.createElement("ul");
    problems.className = "errorlist";
    box.append(heading, problems, body);
    textarea.insertAdjacentElement("afterend", box);
    var timer = null;
    function refresh() {
      var data = new FormData();
      data.append("body", textarea.value);
      fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": csrfToken() },
                   credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          body.innerHTML = result.html;
          problems.replaceChildren.apply(problems, result.problems.map(function (text) {
            var item = document.createElement("li");
            item.textContent = text;
            return item;
          }));
        });
    }
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
    refresh();
  }
  function scan() {
    document.querySelectorAll("textarea[name^='sections-'][name$='-body']").forEach(attach);
  }
  scan();
  document.addEventListener("formset:added", scan);
})();
