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

  // Two minutes before the session ends, show the "stay signed in" button and move focus to it.
  document.addEventListener("DOMContentLoaded", function () {
    var warning = document.querySelector("[data-session-expires-in]");
    if (!warning) {
      return;
    }
    var seconds = parseInt(warning.getAttribute("data-session-expires-in"), 10);
    if (isNaN(seconds)) {
      return;
    }
    window.setTimeout(function () {
      warning.hidden = false;
      var text = warning.querySelector("[data-session-warning]");
      if (text) {
        text.focus();
      }
    }, Math.max(0, seconds - 120) * 1000);
  });

  // After htmx replaces part of a page, an error summary in the new part takes focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    focusErrorSummary(event.detail.elt);
  });

  // An upload sent by htmx shows how much of the file has gone.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.detail.elt;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-upload-progress")) {
      return;
    }
    var box = form.querySelector("[data-progress]");
    var bar = box && box.querySelector("progress");
    if (!bar || !event.detail.lengthComputable) {
      return;
    }
    box.hidden = false;
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    bar.value = percent;
    bar.textContent = percent + " %";
  });

  // "Print" on a document's page prints the document itself (a PDF from its frame), at once;
  // without JavaScript the link leads to a page that says how to print it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-print]") : null;
    if (!link) {
      return;
    }
    var frame = document.querySelector("iframe[data-print-frame]");
    try {
      if (frame) {
        frame.contentWindow.focus();
        frame.contentWindow.print();
      } else {
        window.print();
      }
      event.preventDefault();
    } catch (error) {
      // The browser would not print from here: the link's page explains how.
    }
  });

  // Parts of a page that refresh themselves (the inbox, an open conversation, the unread
  // count) every data-refresh-every seconds, only while the tab is shown: htmx fetches them
  // on a "refresh" event. Nothing refreshes while a request of its own is under way.
  var lastRefresh = new WeakMap();
  window.setInterval(function () {
    if (document.visibilityState !== "visible" || !window.htmx) {
      return;
    }
    var now = Date.now();
    document.querySelectorAll("[data-refresh-every]").forEach(function (element) {
      var every = parseInt(element.getAttribute("data-refresh-every"), 10) * 1000;
      if (!lastRefresh.has(element)) {
        lastRefresh.set(element, now);
      } else if (now - lastRefresh.get(element) >= every && !element.classList.contains("htmx-request")) {
        lastRefresh.set(element, now);
        window.htmx.trigger(element, "refresh");
      }
    });
  }, 1000);

  // What htmx adds in place may take the focus (the first of the older events shown, the
  // message just sent), once. On a page loaded whole the focus stays where the browser puts
  // it: such marks are dropped, so a later swap (a draft saved) cannot move the focus there.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-takes-focus]").forEach(function (element) {
      element.removeAttribute("data-takes-focus");
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    var first = document.querySelector("[data-takes-focus]");
    if (first) {
      first.removeAttribute("data-takes-focus");
      first.focus();
    }
  });
})();
