// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Search-as-you-type for long pickers (organisations, members, cities, time zones).
  function enhanceSelects(root) {
    if (typeof TomSelect === "undefined") return;
    root.querySelectorAll("select[data-search]").forEach(function (select) {
      if (select.tomselect) return;
      // Filter on every key, not 300 ms after the last one (Tom Select's default): a pending
      // refresh outlives a choice made in those 300 ms, then reopens the list and pulls the focus
      // back from the field the user moved on to. Our lists are local and short; filtering is cheap.
      var options = { maxOptions: 500, hidePlaceholder: true, refreshThrottle: 0 };
      if (select.multiple) options.plugins = ["remove_button"];
      if (select.dataset.searchKeywords) {
        // Time zones: each option's data-data carries cities, countries and abbreviations to match.
        options.dataAttr = "data-data";
        options.searchField = ["text", "keywords"];
      }
      new TomSelect(select, options);
    });
  }

  // Keep the "Local time in …" hint next to a datetime field in step with the chosen city.
  function followZones(root) {
    root.querySelectorAll("input[data-zone-from]").forEach(function (input) {
      var select = root.querySelector('select[name="' + input.dataset.zoneFrom + '"]');
      var hint = document.getElementById(input.id + "_helptext");
      if (!select || !hint) return;
      var update = function () {
        var option = select.options[select.selectedIndex];
        if (!option || !option.value) { hint.textContent = "Local time in the city's zone."; return; }
        var parts = option.textContent.split(" · ");
        hint.textContent = "Local time in " + parts[0].split(" (")[0] + ": " + parts[parts.length - 1] + ".";
      };
      select.addEventListener("change", update);
    });
  }

  // The member filter on the schedule applies as soon as a member is chosen.
  function autoSubmit(root) {
    root.querySelectorAll("form.member-filter select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // Copy a feed address to the clipboard (the field stays selectable when the clipboard is refused).
  function copyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.dataset.copy);
        field.select();
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, function () {}); }
      });
    });
  }

  // A new mission's slug follows its name as it is typed, until the user edits the slug itself
  // (the server makes one from the name too when the field is left empty).
  function slugFromName(root) {
    root.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
      var name = slug.form && slug.form.elements[slug.dataset.slugFrom];
      if (!name) return;
      var edited = slug.value !== "";
      slug.addEventListener("input", function () { edited = slug.value !== ""; });
      name.addEventListener("input", function () {
        if (edited) return;
        slug.value = name.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
          .replace(/[^a-z0-9_\s-]/g, "").trim().replace(/[-\s]+/g, "-").replace(/^[-_]+|[-_]+$/g, "").slice(0, 76);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    copyButtons(document);
    slugFromName(document);
    enhanceSelects(document);
    followZones(document);
    autoSubmit(document);
  });
})();
