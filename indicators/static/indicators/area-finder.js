// The area finder's suggestions: each form[data-area-finder] (templates/includes/area_finder.html)
// becomes a combobox with a list of areas as the visitor types (ARIA's "list autocomplete with
// manual selection" pattern: the focus stays in the box, aria-activedescendant names the area
// chosen with the arrow keys, Enter opens it, Escape closes the list). The areas come from the
// JSON view at data-suggest-url. Without this script the form still works: the find page goes
// to the area, or lists the matches.
(function () {
  "use strict";

  const MIN_LENGTH = 2;
  const DELAY = 150; // ms after the last key before asking for suggestions

  function enhance(form) {
    const input = form.querySelector(".area-finder__input");
    const list = form.querySelector(".area-finder__options");
    const status = form.querySelector("[role=status]");
    const url = form.dataset.suggestUrl;
    if (!input || !list || !url) {
      return;
    }
    let options = []; // [{element, result}]
    let active = -1;
    let timer = null;
    let controller = null;
    let asked = "";

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      options.forEach(({ element }) => element.setAttribute("aria-selected", "false"));
    }

    function open() {
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function choose(index) {
      if (!options.length) {
        return;
      }
      open();
      active = (index + options.length) % options.length;
      options.forEach(({ element }, i) => element.setAttribute("aria-selected", String(i === active)));
      const element = options[active].element;
      input.setAttribute("aria-activedescendant", element.id);
      element.scrollIntoView({ block: "nearest" });
    }

    function go(result) {
      window.location.assign(result.url);
    }

    function describe(result) {
      let meta = result.type;
      if (result.parent) {
        meta += " in " + result.parent;
      }
      meta += ", " + result.code;
      if (result.former) {
        meta += " (former area)";
      }
      return meta;
    }

    function show(results) {
      list.replaceChildren();
      options = results.map((result, i) => {
        const element = document.createElement("li");
        element.id = list.id + "-" + i;
        element.className = "area-finder__option";
        element.setAttribute("role", "option");
        element.setAttribute("aria-selected", "false");
        const name = document.createElement("span");
        name.className = "area-finder__option-name";
        name.textContent = result.name;
        const meta = document.createElement("span");
        meta.className = "area-finder__option-meta";
        meta.textContent = describe(result);
        element.append(name, " ", meta);
        // mousedown would take the focus from the box before the click lands.
        element.addEventListener("mousedown", (event) => event.preventDefault());
        element.addEventListener("click", () => go(result));
        list.append(element);
        return { element, result };
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (options.length) {
        open();
        status.textContent =
          options.length +
          (options.length === 1 ? " area found" : " areas found") +
          ". Use the up and down arrows to choose one, then Enter.";
      } else {
        close();
        status.textContent = "No areas found. Press Enter to search anyway.";
      }
    }

    async function suggest() {
      const text = input.value.trim();
      if (text.length < MIN_LENGTH) {
        asked = "";
        options = [];
        list.replaceChildren();
        close();
        status.textContent = "";
        return;
      }
      if (text === asked) {
        open();
        return;
      }
      asked = text;
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      try {
        const response = await fetch(url + "?" + new URLSearchParams({ q: text }), {
          headers: { Accept: "application/json" },
          signal: controller.signal,
        });
        if (!response.ok) {
          return; // The form still works: Enter goes to the find page.
        }
        const data = await response.json();
        if (text === asked) {
          show(data.results);
          input.dataset.answered = text; // which question the list answers (for the tests)
        }
      } catch (error) {
        if (error.name !== "AbortError") {
          asked = ""; // Offline or refused: try again on the next key.
        }
      }
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, DELAY);
    });

    input.addEventListener("keydown", (event) => {
      const expanded = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          if (options.length) {
            event.preventDefault();
            choose(expanded ? active + 1 : 0);
          }
          break;
        case "ArrowUp":
          if (options.length) {
            event.preventDefault();
            choose(expanded ? active - 1 : options.length - 1);
          }
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault();
            go(options[active].result);
          }
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", close);
    input.addEventListener("focus", () => {
      if (input.value.trim() === asked) {
        open();
      }
    });
  }

  document.querySelectorAll("form[data-area-finder]").forEach(enhance);
})();
