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
  const started = document.getElementById("import-started");
  let startedShown = started.dataset.started === "yes";

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
    counts.time_left.textContent = timeLeft(status.seconds_left);
    if (status.started && !startedShown) {
      // Queued until now: say when the worker started it.
      const time = document.createElement("time");
      time.dateTime = status.started_at;
      time.textContent = status.started;
      started.replaceChildren("Started ", time, ".");
      startedShown = true;
    }
  }

  // As the page writes it (`ImportRun.time_left`): seconds up to a minute and a half, then
  // minutes.
  function timeLeft(seconds) {
    if (seconds === null || seconds === undefined) {
      return "not known yet";
    }
    if (seconds <= 90) {
      return "about " + seconds + (seconds === 1 ? " second" : " seconds") + " left";
    }
    return "about " + Math.round(seconds / 60) + " minutes left";
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
