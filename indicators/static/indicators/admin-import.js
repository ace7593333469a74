/* The import screens: while a file is read (a large one takes a minute), the buttons are
   disabled and say so, so that nobody imports twice; on the preview, a changed choice is
   pointed out, since the preview above it shows the choices as they were. Without this
   script the forms work the same. */
(function () {
  "use strict";

  function say(form, text) {
    var note = form.querySelector(".import-busy-message");
    if (!note) {
      note = document.createElement("p");
      note.className = "import-busy-message";
      note.setAttribute("role", "status");
      var row = form.querySelector(".submit-row") || form;
      row.appendChild(note);
    }
    note.textContent = text;
  }

  // Coming back to the page (the browser's back button) brings the buttons back to life.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form.import-busy input[type=submit]").forEach(function (button) {
      button.disabled = false;
    });
    document.querySelectorAll(".import-busy-message").forEach(function (note) {
      note.remove();
    });
  });

  document.querySelectorAll("form.import-busy").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var text = (submitter && submitter.dataset.busy) || form.dataset.busy || "Working…";
      // Disable after the browser has taken the form's data (and the button's formaction).
      window.setTimeout(function () {
        form.querySelectorAll("input[type=submit], button").forEach(function (button) {
          button.disabled = true;
        });
        say(form, text);
      }, 0);
    });

    if (form.id !== "import-form") {
      return;
    }
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches("select, input[name=add_areas]")) {
        say(form, "You changed a choice: “Check again” shows what the file would do with it.");
      }
    });
  });
})();
