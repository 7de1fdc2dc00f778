// The admin's export page: "Select all" ticks or clears every field of its resource. The package's
// template wires this with an inline onchange attribute, which our Content-Security-Policy blocks
// (templates/admin/import_export/export.html).
(function () {
  "use strict";

  function fieldsOf(toggle) {
    var row = toggle.closest("[resource-index]");
    var rows = row
      ? '.selectable-field-export-row[resource-index="' + row.getAttribute("resource-index") + '"]'
      : ".selectable-field-export-row";
    return document.querySelectorAll(rows + ' input[type="checkbox"]:not(.select-toggle)');
  }

  function start() {
    document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
      toggle.addEventListener("change", function () {
        fieldsOf(toggle).forEach(function (checkbox) {
          checkbox.checked = toggle.checked;
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
