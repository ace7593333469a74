// The progress of an import run: asks the run's status every second, shows it, and opens
// the run's page (its preview, or what the import did) once it has finished. Without this
// script the page reloads itself every few seconds instead.
(function () {
  "use strict";
  const run = document.getElementById("import-run");
  if (!run) {
    return;
  }
  const bar = document.getElementById("import-progress-bar");
  const label = document.getElementById("import-progress-label");
  const counts = {};
  run.querySelectorAll("[data-count]").forEach(function (element) {
    counts[element.dataset.count] = element;
  });
  const number = new Intl.NumberFormat("en-GB");

  function show(status) {
    const percent = status.percent;
    if (percent === null) {
      bar.removeAttribute("value");
      bar.textContent = "";
      label.textContent = status.state_label;
    } else {
      bar.value = percent;
      bar.textContent = percent + "%";
      label.textContent = status.state_label + ": " + percent + "%";
    }
    counts.rows_read.textContent =
      number.format(status.rows_read) +
      (status.rows_expected ? " of about " + number.format(status.rows_expected) : "");
    counts.figures_checked.textContent = number.format(status.figures_checked);
    counts.figures_written.textContent = number.format(status.figures_written);
    counts.seconds_left.textContent =
      status.seconds_left === null ? "not known yet" : "about " + status.seconds_left + " s";
  }

  function poll() {
    fetch(run.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.assign(run.dataset.pageUrl);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000); // the server was busy or away: try again
      });
  }

  window.setTimeout(poll, 500);
})();
