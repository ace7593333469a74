/* The narrative editor of the topic admin. Under each section's narrative:

   - "Insert a live figure": the references that show a figure on this page now (from the
     help the server renders into <script id="figure-help" type="application/json">), the
     section's own indicator first, each with the figure it shows and a button that puts it
     where the cursor is;
   - the preview: the text as the public will see it, with live figures filled in and a
     warning for each reference that would show "figure not available", refreshed as the
     officer types. The HTML comes from the server, already sanitised.

   Without JavaScript the same help is the table at the foot of the form. */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.previewUrl;
  if (!url) {
    return;
  }
  var helpData = document.getElementById("figure-help");
  var groups = helpData ? JSON.parse(helpData.textContent) : [];

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function insert(textarea, code) {
    var value = textarea.value;
    var start = textarea.dataset.cursor ? textarea.selectionStart : value.length;
    var end = textarea.dataset.cursor ? textarea.selectionEnd : value.length;
    var before = value.slice(0, start);
    var text = before && !/\s$/.test(before) ? " " + code : code;
    textarea.value = before + text + value.slice(end);
    textarea.focus();
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    textarea.dataset.cursor = "set";
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function helperTable(textarea, group) {
    var table = element("table");
    var head = table.createTHead().insertRow();
    ["Reference", "Shows now", ""].forEach(function (label, index) {
      var cell = element("th", "", label);
      cell.scope = "col";
      if (index === 2) {
        cell.append(element("span", "visually-hidden", "Insert"));
      }
      head.append(cell);
    });
    var body = table.createTBody();
    group.references.forEach(function (reference) {
      var row = body.insertRow();
      var code = element("td");
      code.append(element("code", "", reference.code));
      code.append(element("div", "help", reference.meaning));
      row.append(code, element("td", "", reference.shows));
      var action = element("td");
      var button = element("button", "button", "Insert");
      button.type = "button";
      button.setAttribute("aria-label", "Insert " + reference.code);
      button.addEventListener("click", function () {
        insert(textarea, reference.code);
      });
      action.append(button);
      row.append(action);
    });
    return table;
  }

  function helper(textarea) {
    var details = element("details", "figure-helper");
    details.append(element("summary", "", "Insert a live figure"));
    var content = element("div");
    details.append(content);
    var indicator = document.querySelector(
      "select[name='" + textarea.name.replace(/-body$/, "-indicator") + "']");
    details.addEventListener("toggle", function () {
      if (!details.open) {
        return;
      }
      // The section's own indicator (as chosen now, perhaps not yet saved) open; the page's
      // other indicators folded away beneath it.
      var own = indicator ? String(indicator.value) : "";
      content.replaceChildren();
      if (!groups.length) {
        content.append(element("p", "help",
          "None yet: choose an indicator for a section and save, and its figures are offered here."));
      }
      groups.filter(function (g) { return String(g.indicator) === own; }).forEach(function (g) {
        content.append(element("h4", "", g.name), helperTable(textarea, g));
      });
      groups.filter(function (g) { return String(g.indicator) !== own; }).forEach(function (g) {
        var other = element("details", "figure-helper-other");
        var summary = element("summary", "", g.name);
        other.append(summary, helperTable(textarea, g));
        content.append(other);
      });
    });
    return details;
  }

  function attach(textarea) {
    if (textarea.dataset.preview) {
      return;
    }
    textarea.dataset.preview = "on";
    ["focus", "keyup", "mouseup"].forEach(function (name) {
      textarea.addEventListener(name, function () { textarea.dataset.cursor = "set"; });
    });
    var box = element("div", "narrative-preview");
    box.setAttribute("aria-live", "polite");
    var heading = element("p", "narrative-preview-heading", "Preview, as the public will see it");
    var body = element("div", "narrative-preview-body");
    var problems = element("ul", "errorlist");
    var warnings = element("ul", "narrative-preview-warnings");
    box.append(heading, problems, warnings, body);
    // Beneath the field and its help, the width of the section.
    var field = textarea.closest(".flex-container");
    var host = field && field.parentNode ? field.parentNode : textarea.parentNode;
    host.append(helper(textarea), box);
    var timer = null;
    function items(list, texts) {
      list.replaceChildren.apply(list, texts.map(function (text) {
        return element("li", "", text);
      }));
    }
    function refresh() {
      var data = new FormData();
      data.append("body", textarea.value);
      fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": csrfToken() },
                   credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          body.innerHTML = result.html;
          items(problems, result.problems);
          items(warnings, result.warnings || []);
        });
    }
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
    refresh();
  }

  function scan() {
    document.querySelectorAll("textarea[name^='sections-'][name$='-body']").forEach(function (t) {
      if (!t.closest(".empty-form")) {
        attach(t);
      }
    });
  }
  scan();
  document.addEventListener("formset:added", scan);
})();
