/* Small enhancements on top of pages that already work without JavaScript. */
(function () {
  "use strict";

  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // Browsers that ignore autofocus on a non-field element still move focus to the summary.
  document.addEventListener("DOMContentLoaded", function () {
    if (document.activeElement === document.body) {
      focusErrorSummary(document);
    }
  });

  // After htmx replaces part of a page, an error summary in the new part takes focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    focusErrorSummary(event.detail.elt);
  });
})();
